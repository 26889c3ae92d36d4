"""`/metrics` writes the catalogue itself (exposition.py); what it writes must be what OpenTelemetry's
own instruments would show through OpenTelemetry's exporter, and what prometheus_client would write
for the same families, byte for byte, in every format a scrape can ask for."""

from __future__ import annotations

import gzip
import random

import pytest
import requests
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry, exposition, generate_latest
from prometheus_client.openmetrics import parser as om_parser
from prometheus_client.openmetrics.exposition import generate_latest as om_generate_latest
from prometheus_client.parser import text_string_to_metric_families

from airdrops.monitoring import catalog, metrics
from airdrops.monitoring._internal import tracing
from airdrops.monitoring._internal.exposition import Exposition
from airdrops.monitoring._internal.readers import PullReader
from airdrops.monitoring._internal.registry import Registry

COUNTER = catalog.get("airdrops.protocol.tx")
HISTOGRAM = catalog.get("airdrops.rpc.request.duration")
GAUGE = catalog.get("airdrops.capital.allocated")
RESOURCE = Resource.create({"service.name": "eq", "bot_id": "b"})
#: What a scrape's Accept header may ask for (Prometheus 2 and 3, curl, OpenMetrics with UTF-8 names).
ACCEPT = [
    None,
    "text/plain;version=0.0.4",
    "text/plain;version=1.0.0;escaping=allow-utf-8",
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8",
    "application/openmetrics-text;version=1.0.0;escaping=underscores",
]


def workload(seed: int = 7):
    rng = random.Random(seed)
    for _ in range(2_000):
        attrs = {
            "chain": rng.choice(["base", "arbitrum"]),
            "protocol": rng.choice(["uniswap", "aave", "stargate", 'we"ird\\name\nhere', "zkSync Era ∞"]),
            "action": "swap",
            "outcome": rng.choice(["success", "failure"]),
        }
        yield "counter", rng.randint(1, 3), attrs
        yield (
            "histogram",
            rng.choice([rng.expovariate(20), 0.005, 0.25, 1e6]),
            {"provider": "local", "method": rng.choice(["eth_call", "eth_getBalance"]), "outcome": "success"},
        )
        yield "gauge", rng.choice([rng.uniform(0, 1000), 1e22, 0.0]), {"protocol": attrs["protocol"]}


def families(text: str, openmetrics: bool) -> dict[str, tuple]:
    """Each family as (type, help, unit, {(sample, labels): value}); an empty label is an absent one
    (Prometheus' rule: OTel's exporter writes a label a series lacks as "")."""
    parse = om_parser.text_string_to_metric_families if openmetrics else text_string_to_metric_families
    out = {}
    for family in parse(text):
        samples = {}
        for s in family.samples:
            labels = frozenset((k, v) for k, v in s.labels.items() if v != "")
            samples[(s.name, labels)] = s.value
        out[family.name] = (family.type, family.documentation, family.unit, samples)
    return out


def fed_registries():
    """The workload through raw OpenTelemetry instruments and their exporter, and through the catalogue."""
    raw_registry = CollectorRegistry()
    raw_reader = PrometheusMetricReader(
        scope_info_enabled=False, registry=raw_registry, resource_attribute_filter=lambda k: k == "bot_id"
    )
    views = [View(instrument_name=HISTOGRAM.name, aggregation=ExplicitBucketHistogramAggregation(HISTOGRAM.buckets))]
    meter = MeterProvider(resource=RESOURCE, metric_readers=[raw_reader], views=views).get_meter("raw")
    raw = {
        "counter": meter.create_counter(COUNTER.name, COUNTER.unit, COUNTER.description),
        "histogram": meter.create_histogram(HISTOGRAM.name, HISTOGRAM.unit, HISTOGRAM.description),
        "gauge": meter.create_gauge(GAUGE.name, GAUGE.unit, GAUGE.description),
    }
    source = Registry(specs=(COUNTER, HISTOGRAM, GAUGE))
    rest = CollectorRegistry()
    MeterProvider(resource=RESOURCE, metric_readers=[PullReader(rest)])
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
    return raw_registry, Exposition(source, RESOURCE, rest)


@pytest.mark.parametrize("encoder", [generate_latest, om_generate_latest], ids=["text", "openmetrics"])
def test_the_page_shows_what_raw_opentelemetry_shows(encoder):
    raw_registry, ours = fed_registries()
    openmetrics = encoder is om_generate_latest
    expected = families(encoder(raw_registry).decode(), openmetrics)
    got = families(ours.render(encoder).decode(), openmetrics)
    assert got.keys() == expected.keys() and len(expected) == 4  # target_info and the three instruments
    for name, (kind, doc, unit, samples) in expected.items():
        assert got[name][:3] == (kind, doc, unit), name
        assert got[name][3].keys() == samples.keys(), name
        for key, value in samples.items():
            assert got[name][3][key] == pytest.approx(value, rel=1e-12), key
    counted = sum(len(s) for *_, s in expected.values())
    assert counted == 1 + 20 + 2 * (len(HISTOGRAM.buckets) + 3) + 5  # every series of the workload


@pytest.mark.parametrize("accept", ACCEPT)
def test_the_page_is_what_prometheus_client_writes_for_the_same_families(accept):
    _, ours = fed_registries()
    tracing.enable(TracerProvider())  # exemplars in the OpenMetrics pages
    try:
        with tracing.TRACING.tracer.start_as_current_span("claim"):
            ours.catalogue._families[1].inst.record(0.03, provider="local", method="eth_call", outcome="success")
    finally:
        tracing.disable()
    encoder, _ = exposition.choose_encoder(accept)
    page = ours.render(encoder)
    assert page == encoder(ours.registry)  # prometheus_client writing the families read back from the page
    assert (b'trace_id="' in page) == ("openmetrics" in (accept or ""))


def test_a_second_exposition_relabels_the_series_it_finds():
    """Line prefixes are cached per renderer: a configure() with another bot_id must not show the old one."""
    source = Registry(specs=(COUNTER,))
    source[COUNTER.name].add(1, chain="base", protocol="uniswap", action="swap", outcome="success")
    first = Exposition(source, Resource.create({"bot_id": "one"}), CollectorRegistry())
    assert 'bot_id="one",chain="base"' in first.catalogue.render(False)
    second = Exposition(source, Resource.create({"bot_id": "two"}), CollectorRegistry())
    assert 'bot_id="two",chain="base"' in second.catalogue.render(False)
    assert 'bot_id="one"' not in second.catalogue.render(True)


def test_the_endpoint_negotiates_like_prometheus_client(sdk):
    handle = sdk()
    metrics.protocol_tx.add(2, chain="base", protocol="uniswap", action="swap", outcome="success")
    url = handle.metrics_url
    om = requests.get(url, headers={"Accept": "application/openmetrics-text;version=1.0.0"}, timeout=5)
    assert om.headers["Content-Type"].startswith("application/openmetrics-text")
    assert om.text.endswith("# EOF\n") and om.text.count("# EOF") == 1
    assert "# TYPE airdrops_protocol_tx counter" in om.text and "process_cpu_seconds" in om.text
    plain = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=5)
    assert plain.headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(plain.raw.read()).decode()
    assert "# TYPE airdrops_protocol_tx_total counter" in text and "# EOF" not in text
    # An escaping that renames metrics, and name[] filtering: prometheus_client writes those pages.
    dots = requests.get(url, headers={"Accept": "application/openmetrics-text;version=1.0.0;escaping=dots"}, timeout=5)
    assert 'airdrops__protocol__tx__total{action="swap",bot__id=' in dots.text
    only = requests.get(url, params={"name[]": "airdrops_protocol_tx_total"}, timeout=5).text
    assert [ln for ln in only.splitlines() if not ln.startswith("#")] == [
        'airdrops_protocol_tx_total{action="swap",bot_id="test-bot-1",chain="base",outcome="success",'
        'protocol="uniswap"} 2.0'
    ]
    assert requests.options(url, timeout=5).headers["Allow"] == "OPTIONS,GET"
