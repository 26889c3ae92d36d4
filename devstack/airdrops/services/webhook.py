"""A webhook receiver for Alertmanager: keeps every notification, appends it to a file, calls back."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class WebhookSink:
    """HTTP server on loopback collecting Alertmanager webhook payloads.

    with WebhookSink(log=Path("alerts.jsonl"), on_alert=print) as sink:
        ...  # point Alertmanager's webhook_configs at sink.url
        sink.notifications  # every payload received, in order
    """

    def __init__(self, log: Path | None = None, on_alert: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.notifications: list[dict[str, Any]] = []
        self._log, self._on_alert = log, on_alert
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = json.loads(body)
                except json.JSONDecodeError:
                    self.send_response(400)
                    self.end_headers()
                    return
                sink._receive(payload)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/alerts"
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-sink", daemon=True)

    def _receive(self, payload: dict[str, Any]) -> None:
        with self._lock:
            self.notifications.append(payload)
            if self._log is not None:
                with self._log.open("a") as f:
                    f.write(json.dumps(payload) + "\n")
        if self._on_alert is not None:
            self._on_alert(payload)

    def alerts(self, **labels: str) -> list[dict[str, Any]]:
        """Every alert in every notification whose labels include `labels`."""
        with self._lock:
            return [
                a
                for n in self.notifications
                for a in n.get("alerts", [])
                if labels.items() <= a.get("labels", {}).items()
            ]

    def start(self) -> WebhookSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
