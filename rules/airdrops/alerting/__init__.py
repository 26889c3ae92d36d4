"""Alert delivery: the Alertmanager configuration generated from code."""

from airdrops.alerting.alertmanager import Channels, Timing, config, render

__all__ = ["Channels", "Timing", "config", "render"]
