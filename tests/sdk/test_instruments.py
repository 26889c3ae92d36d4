"""Catalogue instruments: attribute policy, cardinality, binding, histogram buckets."""

from __future__ import annotations

import pytest

from airdrops.monitoring import catalog, metrics
from airdrops.monitoring._internal.instruments import OVERFLOW_ATTRIBUTE


def test_bound_and_unbound_record_into_the_same_series(capmetrics):
    bound = metrics.protocol_tx.bind(chain="base", protocol="uniswap", action="swap", outcome="success")
    bound.add(2)
    metrics.protocol_tx.add(1, chain="base", protocol="uniswap", action="swap", outcome="success")
    rows = capmetrics.series("airdrops.protocol.tx")
    assert len(rows) == 1
    assert rows[0]["value"] == 3


def test_undeclared_attribute_is_dropped_and_counted(capmetrics):
    metrics.protocol_tx.add(1, chain="base", protocol="p", action="swap", outcome="success", tx_hash="0xdead")
    metrics.protocol_tx.add(1, chain="base", protocol="p", action="swap", outcome="success", tx_hash="0xbeef")
    rows = capmetrics.series("airdrops.protocol.tx")
    assert [r["attributes"] for r in rows] == [
        {"chain": "base", "protocol": "p", "action": "swap", "outcome": "success"}
    ]
    assert rows[0]["value"] == 2
    assert capmetrics.value("airdrops.sdk.attributes.rejected", metric="airdrops.protocol.tx") == 2


def test_value_outside_closed_set_becomes_other_and_is_counted(capmetrics):
    metrics.protocol_tx.add(1, chain="base", protocol="p", action="yolo", outcome="success")
    assert capmetrics.value("airdrops.protocol.tx", action="other") == 1
    assert capmetrics.value("airdrops.sdk.attributes.rejected", metric="airdrops.protocol.tx") == 1


def test_cardinality_limit_folds_new_series_into_overflow(capmetrics):
    from airdrops.monitoring._internal.registry import DEFAULT

    DEFAULT.policy.cardinality_limit = 5
    for i in range(8):
        metrics.capital_allocated.set(float(i), protocol=f"p{i}")
    rows = capmetrics.series("airdrops.capital.allocated")
    assert len(rows) == 6  # 5 real series + the overflow series
    overflow = [r for r in rows if r["attributes"] == {OVERFLOW_ATTRIBUTE: "true"}]
    assert overflow and overflow[0]["value"] == 7.0
    assert capmetrics.value("airdrops.sdk.cardinality.overflow", metric="airdrops.capital.allocated") == 3
    # Existing series still record normally.
    metrics.capital_allocated.set(42.0, protocol="p0")
    assert capmetrics.value("airdrops.capital.allocated", protocol="p0") == 42.0


def test_wallet_label_is_opt_in(capmetrics):
    from airdrops.monitoring._internal.registry import DEFAULT

    metrics.wallet_balance.set(10.0, chain="base", token="ETH", wallet="0xabc")
    assert [r["attributes"] for r in capmetrics.series("airdrops.wallet.balance")] == [
        {"chain": "base", "token": "ETH"}
    ]
    assert capmetrics.value("airdrops.sdk.attributes.rejected") == 0  # opting out is not an error
    DEFAULT.policy.wallet_labels = True
    metrics.wallet_balance.set(11.0, chain="base", token="ETH", wallet="0xdef")
    assert capmetrics.value("airdrops.wallet.balance", wallet="0xdef") == 11.0


def test_counter_ignores_negative_increments(capmetrics):
    metrics.scheduler_job_retries.add(2, job_name="j")
    metrics.scheduler_job_retries.add(-5, job_name="j")
    assert capmetrics.value("airdrops.scheduler.job.retries", job_name="j") == 2


def test_histogram_buckets_are_seconds_and_bounds_are_inclusive(capmetrics):
    spec = catalog.get("airdrops.rpc.request.duration")
    assert spec.buckets[0] <= 0.001 and spec.buckets[-1] >= 5  # seconds, not OTel's ms defaults
    h = metrics.rpc_request_duration.bind(provider="local", method="eth_call", outcome="success")
    for v in (0.0005, 0.001, 0.0011, 99.0):
        h.record(v)
    row = capmetrics.series("airdrops.rpc.request.duration")[0]
    assert row["count"] == 4
    assert row["sum"] == pytest.approx(99.0026)
    assert row["buckets"][0.001] == 2  # 0.0005 and exactly 0.001 (le is inclusive)
    assert row["buckets"][0.0025] == 1
    assert row["buckets"][float("inf")] == 1


def test_disabled_instruments_are_noops(capmetrics):
    from airdrops.monitoring._internal.registry import DEFAULT

    DEFAULT.policy.enabled = False
    metrics.protocol_tx.add(1, chain="a", protocol="b", action="swap", outcome="success")
    metrics.protocol_tx.bind(chain="a", protocol="b", action="swap", outcome="success").add(1)
    assert capmetrics.collect() == []


def test_metrics_module_exposes_every_catalogue_metric():
    names = {getattr(metrics, n).name for n in metrics.__all__}
    assert names == {m.name for m in catalog.METRICS}


def test_opentelemetry_call_style_records_into_the_keyword_series(capmetrics):
    tx = {"chain": "base", "protocol": "uniswap", "action": "swap", "outcome": "success"}
    metrics.protocol_tx.add(1, tx)
    metrics.protocol_tx.add(2, attributes=tx)
    metrics.protocol_tx.add(3, {"chain": "base", "protocol": "uniswap"}, action="swap", outcome="success")
    metrics.protocol_tx.bind(tx).add(4)
    metrics.portfolio_value.set(5.0, {})
    metrics.rpc_request_duration.record(0.1, {"chain": "base", "provider": "alchemy", "method": "eth_call"})
    assert [(r["attributes"], r["value"]) for r in capmetrics.series("airdrops.protocol.tx")] == [(tx, 10)]
    assert capmetrics.value("airdrops.portfolio.value") == 5.0
    assert capmetrics.series("airdrops.rpc.request.duration")[0]["attributes"]["method"] == "eth_call"
    assert not capmetrics.value("airdrops.sdk.attributes.rejected", metric="airdrops.protocol.tx")


@pytest.mark.parametrize("attributes", ["chain=base", ["chain", "base"], 7])
def test_attributes_that_are_not_a_mapping_are_counted_not_raised(capmetrics, attributes):
    metrics.protocol_tx.add(1, attributes, chain="base")
    assert [(r["attributes"], r["value"]) for r in capmetrics.series("airdrops.protocol.tx")] == [
        ({"chain": "base"}, 1)
    ]
    assert capmetrics.value("airdrops.sdk.attributes.rejected", metric="airdrops.protocol.tx") == 1


def test_no_catalogue_attribute_shadows_a_recording_argument():
    reserved = {"amount", "value", "attributes", "self"}
    assert not [(m.name, k) for m in catalog.METRICS for k in m.label_names if k in reserved]


def test_error_type_is_opentelemetrys_key_and_prometheus_label(capmetrics):
    metrics.rpc_request_errors.add(1, provider="a", method="eth_call", error_type="Timeout")
    metrics.rpc_request_errors.add(1, {"provider": "a", "method": "eth_call", "error.type": "Timeout"})
    (row,) = capmetrics.series("airdrops.rpc.request.errors")
    assert row["attributes"] == {"provider": "a", "method": "eth_call", "error.type": "Timeout"} and row["value"] == 2
    assert capmetrics.value("airdrops.rpc.request.errors", error_type="Timeout") == 2
    assert catalog.get("airdrops.rpc.request.errors").label_names == ("provider", "method", "error_type")
    metrics.rpc_request_errors.add(1, provider="a", method="eth_call", error_type="ValueError")
    metrics.rpc_request_errors.add(1, {"provider": "a", "method": "eth_call", "error.type": "HTTPError"})
    by_type = {r["attributes"]["error.type"]: r["value"] for r in capmetrics.series("airdrops.rpc.request.errors")}
    assert by_type == {"Timeout": 2, "ValueError": 1, "HTTPError": 1}  # each error type its own series
