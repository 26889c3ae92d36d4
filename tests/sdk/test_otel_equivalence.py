"""The SDK's fast path exports exactly what OTel's own instruments would, through the same exporter."""

from __future__ import annotations

import random

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry, generate_latest

from airdrops.monitoring import catalog
from airdrops.monitoring._internal.readers import CatalogueReader
from airdrops.monitoring._internal.registry import Registry

COUNTER = catalog.get("airdrops.protocol.tx")
HISTOGRAM = catalog.get("airdrops.rpc.request.duration")
GAUGE = catalog.get("airdrops.capital.allocated")


def samples(text: bytes) -> dict[str, float]:
    out = {}
    for line in text.decode().splitlines():
        if line and not line.startswith("#") and not line.startswith("target_info"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def workload(seed: int = 7):
    rng = random.Random(seed)
    for _ in range(2_000):
        attrs = {
            "chain": rng.choice(["base", "arbitrum"]),
            "protocol": rng.choice(["uniswap", "aave", "stargate"]),
            "action": "swap",
            "outcome": rng.choice(["success", "failure"]),
        }
        yield "counter", rng.randint(1, 3), attrs
        yield (
            "histogram",
            rng.choice([rng.expovariate(20), 0.005, 0.25]),
            {"provider": "local", "method": rng.choice(["eth_call", "eth_getBalance"]), "outcome": "success"},
        )
        yield "gauge", rng.uniform(0, 1000), {"protocol": attrs["protocol"]}


def test_fast_path_and_raw_otel_export_identical_values():
    resource = Resource.create({"service.name": "eq", "bot_id": "b"})

    raw_registry = CollectorRegistry()
    raw_reader = PrometheusMetricReader(
        scope_info_enabled=False, registry=raw_registry, resource_attribute_filter=lambda k: k == "bot_id"
    )
    views = [View(instrument_name=HISTOGRAM.name, aggregation=ExplicitBucketHistogramAggregation(HISTOGRAM.buckets))]
    meter = MeterProvider(resource=resource, metric_readers=[raw_reader], views=views).get_meter("raw")
    raw = {
        "counter": meter.create_counter(COUNTER.name, COUNTER.unit, COUNTER.description),
        "histogram": meter.create_histogram(HISTOGRAM.name, HISTOGRAM.unit, HISTOGRAM.description),
        "gauge": meter.create_gauge(GAUGE.name, GAUGE.unit, GAUGE.description),
    }

    ours_registry = CollectorRegistry()
    source = Registry(specs=(COUNTER, HISTOGRAM, GAUGE))
    MeterProvider(resource=resource, metric_readers=[CatalogueReader(source, resource, ours_registry)])
    bound = {}

    for kind, value, attrs in workload():
        {"counter": raw["counter"].add, "histogram": raw["histogram"].record, "gauge": raw["gauge"].set}[kind](
            value, attrs
        )
        key = (kind, tuple(sorted(attrs.items())))
        if key not in bound:
            spec = {"counter": COUNTER, "histogram": HISTOGRAM, "gauge": GAUGE}[kind]
            bound[key] = source[spec.name].bind(**attrs)
        getattr(bound[key], {"counter": "add", "histogram": "record", "gauge": "set"}[kind])(value)

    expected, got = samples(generate_latest(raw_registry)), samples(generate_latest(ours_registry))
    assert len(expected) == 12 + 2 * (len(HISTOGRAM.buckets) + 3) + 3  # every series of the workload
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert abs(got[name] - value) <= 1e-9 * max(1.0, abs(value)), name
