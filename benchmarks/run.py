"""Recording cost and /metrics render time, side by side with what a user would otherwise pick.

Per measurement with 3 attributes: raw OpenTelemetry (`counter.add`, `histogram.record`),
prometheus_client (`labels(...).inc()` / `.observe()`), and the airdrops SDK (a bound handle,
its fastest documented path, and the keyword form). Then the time to write `/metrics` with
10,000 series in both formats a scrape may ask for, and one OTLP export of them against raw
OpenTelemetry's own OTLP exporter. Each figure is the best of several repeats; ratios matter, not absolutes.
"""

from __future__ import annotations

import sys
import threading
import timeit
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry, Counter as PCounter, Histogram as PHistogram, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as om_generate_latest
from rich.console import Console
from rich.table import Table

from airdrops.monitoring import catalog
from airdrops.monitoring._internal.exposition import Exposition
from airdrops.monitoring._internal.readers import PullReader
from airdrops.monitoring._internal.registry import Registry
from airdrops.monitoring._internal.version import SCOPE

N = 200_000
REPEAT = 5
ATTRS = {"chain": "base", "protocol": "uniswap", "action": "swap"}
COUNTER = catalog.get("airdrops.protocol.gas.used")  # exactly chain, protocol, action
HIST = catalog.get("airdrops.protocol.tx.duration")


def best_us(fn, number: int = N) -> float:
    return min(timeit.repeat(fn, number=number, repeat=REPEAT)) / number * 1e6


def otel_setup():
    registry = CollectorRegistry()
    from opentelemetry.sdk.metrics import Counter

    reader = PrometheusMetricReader(scope_info_enabled=False, registry=registry, cardinality_limits={Counter: 20_000})
    views = [View(instrument_name=HIST.name, aggregation=ExplicitBucketHistogramAggregation(HIST.buckets))]
    meter = MeterProvider(resource=Resource.create({}), metric_readers=[reader], views=views).get_meter("bench")
    return registry, meter.create_counter(COUNTER.name, COUNTER.unit), meter.create_histogram(HIST.name, HIST.unit)


def sdk_setup():
    """The SDK's `/metrics` (what a scrape writes) over a registry of the two benchmark instruments."""
    source = Registry(specs=(COUNTER, HIST))
    source.policy.cardinality_limit = 20_000
    rest = CollectorRegistry()
    MeterProvider(resource=Resource.create({}), metric_readers=[PullReader(rest)])
    return Exposition(source, Resource.create({"bot_id": "bench"}), rest), source[COUNTER.name], source[HIST.name]


def recording() -> list[tuple[str, float, float]]:
    _, counter, hist = otel_setup()
    otel_c = best_us(lambda: counter.add(1, ATTRS))
    otel_h = best_us(lambda: hist.record(0.042, ATTRS))

    preg = CollectorRegistry()
    pc = PCounter("bench_gas_used", "x", list(ATTRS), registry=preg)
    ph = PHistogram("bench_tx_duration_seconds", "x", list(ATTRS), buckets=HIST.buckets, registry=preg)
    values = list(ATTRS.values())
    prom_c = best_us(lambda: pc.labels(*values).inc())
    prom_h = best_us(lambda: ph.labels(*values).observe(0.042))

    _, sc, sh = sdk_setup()
    bc, bh = sc.bind(**ATTRS), sh.bind(**ATTRS)
    sdk_bound_c = best_us(lambda: bc.add(1))
    sdk_bound_h = best_us(lambda: bh.record(0.042))
    sdk_kw_c = best_us(lambda: sc.add(1, **ATTRS))
    sdk_kw_h = best_us(lambda: sh.record(0.042, **ATTRS))
    return [
        ("raw OpenTelemetry counter.add / histogram.record", otel_c, otel_h),
        ("prometheus_client labels(...).inc() / observe()", prom_c, prom_h),
        ("airdrops SDK bound handle .add() / .record()", sdk_bound_c, sdk_bound_h),
        ("airdrops SDK keywords .add(1, **attrs) / .record()", sdk_kw_c, sdk_kw_h),
    ]


#: The two formats a scrape asks for: OpenMetrics is what Prometheus prefers.
FORMATS = {"text format 0.0.4": generate_latest, "OpenMetrics 1.0 (Prometheus' choice)": om_generate_latest}


def render(series: int = 10_000) -> dict[str, list[tuple[str, float]]]:
    """ms to write the `/metrics` page of `series` counter series, per format and path."""
    protocols = [f"p{i}" for i in range(series // 100)]
    chains = [f"c{i}" for i in range(100)]

    oreg, counter, _ = otel_setup()
    exposition, sc, _ = sdk_setup()
    preg = CollectorRegistry()
    pc = PCounter("bench_gas_used", "x", list(ATTRS), registry=preg)
    for p in protocols:
        for c in chains:
            attrs = {"chain": c, "protocol": p, "action": "swap"}
            counter.add(1, attrs)
            sc.add(1, **attrs)
            pc.labels(c, p, "swap").inc()
    out: dict[str, list[tuple[str, float]]] = {}
    for title, encoder in FORMATS.items():
        pages = {
            "raw OpenTelemetry + Prometheus exporter": lambda encoder=encoder: encoder(oreg),
            "prometheus_client": lambda encoder=encoder: encoder(preg),
            "airdrops SDK": lambda encoder=encoder: exposition.render(encoder),
        }
        for name, page in pages.items():
            lines = page().decode().count("\n")
            assert lines >= series, (name, lines)
        out[title] = [(name, best_us(page, number=5) / 1000) for name, page in pages.items()]
    return out


class _NullReceiver:
    """An OTLP/HTTP endpoint that reads each request and answers 200: the receiver costs nothing."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/metrics"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def otlp_export(series: int = 10_000) -> list[tuple[str, float]]:
    """One OTLP/HTTP export (collect, encode, send) of `series` counter series."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import Counter
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    from airdrops.monitoring._internal.readers import TEMPORALITY_PREFERENCES, CatalogueExportingReader

    receiver = _NullReceiver()
    hour = 3_600_000
    otel_reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=receiver.url), hour, cardinality_limits={Counter: 20_000}
    )
    otel_provider = MeterProvider(resource=Resource.create({}), metric_readers=[otel_reader])
    counter = otel_provider.get_meter("bench").create_counter(COUNTER.name, COUNTER.unit)
    source = Registry(specs=(COUNTER,))
    source.policy.cardinality_limit = 20_000
    cumulative = TEMPORALITY_PREFERENCES["cumulative"]
    sdk_reader = CatalogueExportingReader(
        OTLPMetricExporter(endpoint=receiver.url), source, Resource.create({}), SCOPE,
        {COUNTER.name: Counter}, cumulative, hour,
    )  # fmt: skip
    sdk_provider = MeterProvider(resource=Resource.create({}), metric_readers=[sdk_reader])
    sc = source[COUNTER.name]
    for i in range(series):
        attrs = {"chain": f"c{i % 100}", "protocol": f"p{i // 100}", "action": "swap"}
        counter.add(1, attrs)
        sc.add(1, **attrs)
    out = [
        ("raw OpenTelemetry + its OTLP exporter", best_us(lambda: otel_reader.force_flush(), number=5) / 1000),
        ("airdrops SDK (same OTLP exporter)", best_us(lambda: sdk_reader.force_flush(), number=5) / 1000),
    ]
    for provider in (otel_provider, sdk_provider):
        provider.shutdown()
    receiver.server.shutdown()
    return out


def _versus(title: str, unit: str, rows: list[tuple[str, float]]) -> Table:
    """Rows of (path, time), the first being raw OpenTelemetry, with each one's ratio to it."""
    table = Table(title=title)
    for column in ("path", unit, "vs raw OTel"):
        table.add_column(column)
    for name, ms in rows:
        table.add_row(name, f"{ms:.1f}", f"{rows[0][1] / ms:.2f}x faster")
    return table


def main() -> int:
    console = Console(width=170)
    rows = recording()
    otel_c, otel_h = rows[0][1], rows[0][2]
    prom_c, prom_h = rows[1][1], rows[1][2]
    table = Table(title=f"Recording one measurement with 3 attributes (best of {REPEAT} x {N:,})")
    for col in ("path", "counter us", "histogram us", "vs raw OTel (c/h)", "vs prometheus_client (c/h)"):
        table.add_column(col)
    for name, c, h in rows:
        table.add_row(
            name,
            f"{c:.3f}",
            f"{h:.3f}",
            f"{otel_c / c:.1f}x / {otel_h / h:.1f}x faster",
            f"{prom_c / c:.2f}x / {prom_h / h:.2f}x",
        )
    console.print(table)
    pages = render()
    for fmt, timings in pages.items():
        console.print(_versus(f"Writing /metrics with 10,000 counter series, {fmt}", "ms per scrape", timings))
    title = "One OTLP/HTTP export of 10,000 counter series (collect, encode, send to a local receiver)"
    console.print(_versus(title, "ms per export", otlp_export()))
    sdk_c, sdk_h = rows[2][1], rows[2][2]
    goal = sdk_c <= prom_c and sdk_h <= prom_h and otel_c / sdk_c >= 5 and otel_h / sdk_h >= 5
    console.print(
        f"goal (bound path <= prometheus_client and >= 5x faster than raw OTel): {'met' if goal else 'NOT met'}"
    )
    slowest = max(rows[-1][1] for rows in pages.values())
    console.print(
        f"goal (/metrics of 10,000 series under 50 ms in both formats): {'met' if slowest < 50 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
