"""Recording cost and /metrics render time, side by side with what a user would otherwise pick.

Per measurement with 3 attributes: raw OpenTelemetry (`counter.add`, `histogram.record`),
prometheus_client (`labels(...).inc()` / `.observe()`), and the airdrops SDK (a bound handle,
its fastest documented path, and the keyword form). Then the time to render `/metrics` with
10,000 series. Each figure is the best of several repeats; ratios matter, not absolutes.
"""

from __future__ import annotations

import sys
import timeit

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry, Counter as PCounter, Histogram as PHistogram, generate_latest
from rich.console import Console
from rich.table import Table

from airdrops.monitoring import catalog
from airdrops.monitoring._internal.registry import Registry
from airdrops.monitoring._internal.setup import CatalogueReader

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
    registry = CollectorRegistry()
    source = Registry(specs=(COUNTER, HIST))
    source.policy.cardinality_limit = 20_000
    MeterProvider(resource=Resource.create({}), metric_readers=[CatalogueReader(source, Resource.create({}), registry)])
    return registry, source[COUNTER.name], source[HIST.name]


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


def render(series: int = 10_000) -> list[tuple[str, float]]:
    protocols = [f"p{i}" for i in range(series // 100)]
    chains = [f"c{i}" for i in range(100)]

    oreg, counter, _ = otel_setup()
    sreg, sc, _ = sdk_setup()
    preg = CollectorRegistry()
    pc = PCounter("bench_gas_used", "x", list(ATTRS), registry=preg)
    for p in protocols:
        for c in chains:
            attrs = {"chain": c, "protocol": p, "action": "swap"}
            counter.add(1, attrs)
            sc.add(1, **attrs)
            pc.labels(c, p, "swap").inc()
    out = []
    for name, reg in (
        ("raw OpenTelemetry + Prometheus exporter", oreg),
        ("prometheus_client", preg),
        ("airdrops SDK", sreg),
    ):
        lines = generate_latest(reg).decode().count("\n")
        assert lines >= series, (name, lines)
        out.append((name, best_us(lambda reg=reg: generate_latest(reg), number=5) / 1000))
    return out


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
    rtable = Table(title="Rendering /metrics with 10,000 counter series")
    rtable.add_column("exporter")
    rtable.add_column("ms per scrape")
    rtable.add_column("vs raw OTel")
    rend = render()
    for name, ms in rend:
        rtable.add_row(name, f"{ms:.1f}", f"{rend[0][1] / ms:.2f}x faster")
    console.print(rtable)
    sdk_c, sdk_h = rows[2][1], rows[2][2]
    goal = sdk_c <= prom_c and sdk_h <= prom_h and otel_c / sdk_c >= 5 and otel_h / sdk_h >= 5
    console.print(
        f"goal (bound path <= prometheus_client and >= 5x faster than raw OTel): {'met' if goal else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
