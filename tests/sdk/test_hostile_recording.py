"""A bad value never raises into the bot, never takes /metrics down and never grows memory without bound."""

from __future__ import annotations

import math
import urllib.request
from decimal import Decimal

import pytest

from airdrops.monitoring import metrics
from airdrops.monitoring._internal.instruments import OTHER
from airdrops.monitoring._internal.registry import Registry

TX = {"chain": "base", "protocol": "p", "action": "swap", "outcome": "success"}
RPC = {"provider": "p", "method": "eth_call", "outcome": "success"}


def _dropped(capmetrics, metric: str, reason: str) -> float:
    return capmetrics.value("airdrops.sdk.measurements.dropped", metric=metric, reason=reason) or 0


@pytest.mark.parametrize("value", [None, "lots", object(), [1], 10**400])
def test_a_gauge_set_to_something_not_a_number_keeps_its_value_and_counts_it(capmetrics, value):
    metrics.capital_allocated.set(5, protocol="p")
    metrics.capital_allocated.set(value, protocol="p")
    assert capmetrics.value("airdrops.capital.allocated", protocol="p") == 5
    assert _dropped(capmetrics, "airdrops.capital.allocated", "not_a_number") == 1


def test_a_gauge_keeps_infinity_but_not_nan(capmetrics):
    metrics.capital_allocated.set(math.inf, protocol="p")
    assert capmetrics.value("airdrops.capital.allocated", protocol="p") == math.inf
    metrics.capital_allocated.set(math.nan, protocol="p")
    assert capmetrics.value("airdrops.capital.allocated", protocol="p") == math.inf
    assert _dropped(capmetrics, "airdrops.capital.allocated", "not_a_number") == 1


POISON = [
    (math.nan, "not_finite"),
    (math.inf, "not_finite"),
    (-1, "negative"),
    (None, "not_a_number"),
    ("x", "not_a_number"),
]


@pytest.mark.parametrize(("amount", "reason"), POISON)
def test_a_counter_never_takes_a_value_that_would_poison_it(capmetrics, amount, reason):
    bound = metrics.protocol_tx.bind(**TX)
    bound.add(2)
    bound.add(amount)
    metrics.protocol_tx.add(amount, **TX)
    assert capmetrics.value("airdrops.protocol.tx", **TX) == 2
    assert _dropped(capmetrics, "airdrops.protocol.tx", reason) == 2


def test_a_histogram_drops_what_it_cannot_bucket(capmetrics):
    for value in (None, math.nan, -math.inf, "slow"):
        metrics.rpc_request_duration.record(value, **RPC)
    metrics.rpc_request_duration.record(0.2, **RPC)
    [row] = capmetrics.series("airdrops.rpc.request.duration")
    assert row["count"] == 1 and row["sum"] == pytest.approx(0.2)
    assert _dropped(capmetrics, "airdrops.rpc.request.duration", "not_a_number") == 2
    assert _dropped(capmetrics, "airdrops.rpc.request.duration", "not_finite") == 2


def test_decimal_int_and_float_add_up_in_one_series(capmetrics):
    for amount in (Decimal("1.5"), 2, 0.25, True):
        metrics.protocol_tx.add(amount, **TX)
    assert capmetrics.value("airdrops.protocol.tx", **TX) == 4.75


@pytest.mark.parametrize("value", [["base"], {"a": 1}, {"base"}, bytearray(b"x")])
def test_a_container_as_attribute_value_becomes_other_and_is_counted(capmetrics, value):
    metrics.protocol_tx.add(1, **{**TX, "chain": value})
    metrics.protocol_tx.bind(**{**TX, "chain": value}).add(1)
    assert capmetrics.value("airdrops.protocol.tx", **{**TX, "chain": OTHER}) == 2
    assert capmetrics.value("airdrops.sdk.attributes.rejected", metric="airdrops.protocol.tx") == 2


def test_dropped_attribute_values_do_not_grow_memory():
    reg = Registry()
    reg.policy.cardinality_limit = 50
    balance = reg["airdrops.wallet.balance"]
    for i in range(20_000):  # wallet labels are off: every call lands in the one series
        balance.set(i, chain="base", token="ETH", wallet=f"0x{i:040x}")
    assert len(balance.series()) == 1 and balance.series()[0].value == 19_999
    assert len(balance._series) <= 4 * 50


def test_a_bad_gauge_value_never_breaks_the_scrape(sdk):
    handle = sdk()
    metrics.capital_allocated.set(3, protocol="p")
    metrics.capital_allocated.set(None, protocol="p")
    metrics.capital_allocated.set("n/a", protocol="q")
    with urllib.request.urlopen(handle.metrics_url, timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    assert 'airdrops_capital_allocated_usd{bot_id="test-bot-1",protocol="p"} 3.0' in text
    assert 'airdrops_sdk_measurements_dropped_total{bot_id="test-bot-1",metric="airdrops.capital.allocated"' in text


def test_any_unhashable_attribute_value_is_recorded_without_raising(capmetrics):
    from dataclasses import dataclass

    @dataclass
    class Chain:  # eq without frozen: unhashable
        name: str

    metrics.protocol_tx.add(1, **{**TX, "chain": ("base", ["l2"])})
    metrics.protocol_tx.add(1, **{**TX, "chain": Chain("base")})
    rows = capmetrics.series("airdrops.protocol.tx")
    assert sum(r["value"] for r in rows) == 2
