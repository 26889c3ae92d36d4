"""A real OpenTelemetry collector (rotel, from its PyPI wheel) receiving OTLP over HTTP and gRPC.

rotel prints what it receives to its log (`--debug-log`) and forwards it, over OTLP/HTTP, to an
`OtlpSink` here, which decodes each request with the official `opentelemetry-proto` messages.
So a test sees what a real collector accepted, as OpenTelemetry's own schema reads it.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from airdrops.services.process import Server, free_port


class OtlpSink:
    """OTLP/HTTP (protobuf) receiver on loopback keeping every decoded request, by signal."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceRequest,
            ExportMetricsServiceResponse,
        )
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        kinds: dict[str, tuple[str, Any, Any]] = {
            "/v1/metrics": ("metrics", ExportMetricsServiceRequest, ExportMetricsServiceResponse),
            "/v1/traces": ("traces", ExportTraceServiceRequest, ExportTraceServiceResponse),
        }
        self.received: dict[str, list[Any]] = {"metrics": [], "traces": []}
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                kind = kinds.get(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if kind is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                signal, request, response = kind
                with sink._lock:
                    sink.received[signal].append(request.FromString(body))
                payload = response().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-sink", daemon=True)

    def requests(self, signal: str = "metrics") -> list[Any]:
        with self._lock:
            return list(self.received[signal])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def rotel_binary() -> str:
    try:
        import rotel
    except ImportError:
        raise FileNotFoundError("rotel is not installed: pip install rotel (make test installs it)") from None
    return str(Path(rotel.__file__).parent / "rotel-agent")


class OtelCollector(Server):
    """rotel on free loopback ports (`http_endpoint` for OTLP/HTTP, `grpc_endpoint` for gRPC),
    forwarding every signal to `sink` and logging the metrics it receives."""

    def __init__(self, workdir: Path) -> None:
        self.sink = OtlpSink()
        self.http_port, self.grpc_port = free_port(), free_port()
        self.http_endpoint = f"http://127.0.0.1:{self.http_port}"
        self.grpc_endpoint = f"http://127.0.0.1:{self.grpc_port}"
        args = [
            rotel_binary(),
            "start",
            "--otlp-http-endpoint",
            f"127.0.0.1:{self.http_port}",
            "--otlp-grpc-endpoint",
            f"127.0.0.1:{self.grpc_port}",
            "--exporter",
            "otlp",
            "--otlp-exporter-endpoint",
            self.sink.url,
            "--otlp-exporter-protocol",
            "http",
            "--debug-log",
            "metrics",
            "--debug-log",
            "traces",
            "--debug-log-verbosity",
            "detailed",
            "--disable-batching",
        ]
        super().__init__(args, workdir, f"{self.http_endpoint}/", "rotel")

    def start(self) -> None:
        self.sink.start()
        super().start()

    def stop(self) -> None:
        super().stop()
        self.sink.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
