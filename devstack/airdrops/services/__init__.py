"""Real servers started as child processes on loopback (Prometheus, Alertmanager), for the demo and tests."""

from airdrops.services.alertmanager import Alertmanager
from airdrops.services.process import free_port, wait_http
from airdrops.services.prometheus import Prometheus, query
from airdrops.services.webhook import WebhookSink

__all__ = ["Alertmanager", "Prometheus", "WebhookSink", "free_port", "query", "wait_http"]
