"""A real Prometheus holding history written with `promtool tsdb create-blocks-from openmetrics`,
and a small recording proxy in front of it (headers, requests, injected 503s) for the metrics-stream tests."""

from __future__ import annotations

import json
import math
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests

from airdrops.services import Prometheus, free_port
from airdrops.services.prometheus import backfill


@dataclass(frozen=True)
class Series:
    """One backfilled series: `value(i)` is the i-th sample (NaN and inf allowed)."""

    name: str
    labels: dict[str, str]
    value: Callable[[int], float]


def openmetrics(series: Iterable[Series], start: int, samples: int, interval: int) -> str:
    """OpenMetrics text with `samples` points per series from `start` (unix s) every `interval` s."""
    by_name: dict[str, list[Series]] = {}
    for s in series:
        by_name.setdefault(s.name, []).append(s)
    lines = []
    for name, family in by_name.items():
        lines += [f"# HELP {name} backfilled for tests", f"# TYPE {name} gauge"]
        for s in family:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            for i in range(samples):
                lines.append(f"{name}{{{labels}}} {_om_value(s.value(i))} {start + i * interval}")
    return "\n".join([*lines, "# EOF"]) + "\n"


def _om_value(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(float(v))


class BackfilledPrometheus(Prometheus):
    """Prometheus over a data directory filled by promtool, with a 10 s lookback.

    The short lookback makes a range query at the backfill's own step return each sample exactly
    once (no repeats filling gaps), so counts can be compared with what was written.
    """

    def __init__(self, workdir: Path, text: str, *, lookback: str = "10s") -> None:
        super().__init__(workdir, targets=[], scrape_interval="1h")
        self.args.append(f"--query.lookback-delta={lookback}")
        source = workdir / "backfill.om"
        source.write_text(text)
        backfill(source, workdir / "data")


@dataclass
class Seen:
    """One request that reached the proxy, and the points per series it answered with."""

    path: str
    headers: dict[str, str]
    form: dict[str, str]
    status: int
    points_per_series: list[int] = field(default_factory=list)
    #: How the upstream encoded its answer (`gzip` or None); the proxy relays it decoded.
    upstream_encoding: str | None = None


class RecordingProxy:
    """An HTTP server on loopback forwarding to `upstream`, recording every request.

    `fail(n)` answers the next n requests with 503; `fail_after(n)` forwards n more, then 503s
    everything (a Prometheus that goes down mid-run).
    """

    def __init__(self, upstream: str, tls: ssl.SSLContext | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.seen: list[Seen] = []
        self._fail_next = 0
        self._forward_left: int | None = None
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                proxy._handle(self)

            def do_GET(self) -> None:
                proxy._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def fail(self, n: int) -> None:
        with self._lock:
            self._fail_next = n

    def fail_after(self, n: int) -> None:
        with self._lock:
            self._forward_left = n

    def _should_fail(self) -> bool:
        with self._lock:
            if self._fail_next > 0:
                self._fail_next -= 1
                return True
            if self._forward_left is not None:
                if self._forward_left <= 0:
                    return True
                self._forward_left -= 1
            return False

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        seen = Seen(handler.path, dict(handler.headers.items()), form, 503)
        self.seen.append(seen)
        if self._should_fail():
            payload = b'{"status":"error","errorType":"unavailable","error":"injected by the test proxy"}'
            self._reply(handler, 503, payload)
            return
        upstream = requests.request(
            handler.command,
            self.upstream + handler.path,
            data=body,
            headers={
                "Content-Type": handler.headers.get("Content-Type", ""),
                "Accept-Encoding": handler.headers.get("Accept-Encoding", "identity"),
            },
            timeout=60,
        )
        seen.status = upstream.status_code
        seen.upstream_encoding = upstream.headers.get("Content-Encoding")
        if upstream.status_code == 200 and handler.path.startswith("/api/v1/query_range"):
            result = json.loads(upstream.content)["data"]["result"]
            seen.points_per_series = [len(r.get("values", [])) for r in result]
        self._reply(handler, upstream.status_code, upstream.content)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    @property
    def range_queries(self) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith("/api/v1/query_range")]

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def make_certificates(directory: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI."""
    directory.mkdir(parents=True, exist_ok=True)
    p = {n: directory / n for n in ("ca.key", "ca.pem", "server.key", "server.pem", "client.key", "client.pem")}

    def run(*argv: str) -> None:
        subprocess.run(["openssl", *argv], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
        "-keyout", str(p["ca.key"]), "-out", str(p["ca.pem"]))  # fmt: skip
    for name, extra in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")):
        csr = directory / f"{name}.csr"
        ext = directory / f"{name}.ext"
        ext.write_text(extra + "\n")
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", str(p[f"{name}.key"]),
            "-out", str(csr))  # fmt: skip
        run("x509", "-req", "-in", str(csr), "-CA", str(p["ca.pem"]), "-CAkey", str(p["ca.key"]), "-CAcreateserial",
            "-days", "2", "-extfile", str(ext), "-out", str(p[f"{name}.pem"]))  # fmt: skip
    return p


def mutual_tls_context(certs: dict[str, Path]) -> ssl.SSLContext:
    """A server context that presents the server certificate and requires a client one signed by the CA."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs["ca.pem"]))
    ctx.load_cert_chain(str(certs["server.pem"]), str(certs["server.key"]))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
