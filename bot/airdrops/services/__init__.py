"""Real servers (Prometheus today) started as child processes on loopback, for the demo and tests."""

from airdrops.services.process import free_port, wait_http
from airdrops.services.prometheus import Prometheus, query

__all__ = ["Prometheus", "free_port", "query", "wait_http"]
