from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from airdrops import monitoring
from airdrops.history import SimulationSummary, simulate
from airdrops.monitoring import event_schema
from airdrops.monitoring.testing import CapturedEvents, CapturedMetrics

START = datetime(2025, 3, 1, tzinfo=UTC)
JOBS_PER_DAY = 24 + 24 + 24 + 4 + 1 + 1  # market, risk, farm (hourly), claims (6 h), rebalance, snapshot


def without_ids(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "event_id"} for r in records]


def test_same_seed_same_events(capevents: CapturedEvents) -> None:
    first = simulate(6, 4, seed=11, start=START)
    run1 = without_ids(capevents.records)
    capevents.records.clear()
    second = simulate(6, 4, seed=11, start=START)
    run2 = without_ids(capevents.records)
    capevents.records.clear()
    other = simulate(6, 4, seed=12, start=START)

    assert first == second
    assert run1 == run2
    assert len({r["event_id"] for r in capevents.records}) == len(capevents.records)
    assert without_ids(capevents.records) != run1
    assert other != first


@pytest.fixture
def event_log(tmp_path: Path):
    assert monitoring.current() is None, "another test left the SDK configured"
    handle = monitoring.configure(
        "history-test",
        bot_id="hist",
        port=0,
        events_dir=str(tmp_path),
        instrument_requests=False,
        global_providers=False,  # OpenTelemetry's globals are set once per process: leave them to the sdk fixture
    )
    yield handle
    handle.shutdown()


@pytest.fixture
def ten_days(event_log, capmetrics: CapturedMetrics) -> tuple[SimulationSummary, list[dict]]:
    summary = simulate(10, 6, seed=3, start=START)
    event_log.flush()
    with open(event_log.events_path, encoding="utf-8") as f:
        # Only this run's events: anything emitted before configure() (other tests) is written first.
        records = [r for line in f if (r := json.loads(line))["bot_id"] == "hist"]
    return summary, records


def test_the_event_log_is_valid_and_on_virtual_time(ten_days) -> None:
    summary, records = ten_days
    assert len(records) == summary.events
    assert all(event_schema.validate(r) == [] for r in records)
    end = START + timedelta(days=10)
    stamps = [datetime.fromisoformat(r["ts"]) for r in records]
    assert all(START <= ts < end for ts in stamps)  # virtual time, not the wall clock
    assert stamps == sorted(stamps)
    types = Counter(r["type"] for r in records)
    assert {"transaction", "claim", "price", "portfolio_snapshot", "allocation"} <= set(types)
    # One snapshot a day, every wallet in each.
    snapshots = {r["snapshot_id"]: set() for r in records if r["type"] == "portfolio_snapshot"}
    for r in records:
        if r["type"] == "portfolio_snapshot":
            snapshots[r["snapshot_id"]].add(r["wallet"])
    assert len(snapshots) == 10 and all(len(w) == 6 for w in snapshots.values())


def test_events_add_up_to_the_summary(ten_days) -> None:
    summary, records = ten_days
    txs = [r for r in records if r["type"] == "transaction"]
    claims = [r for r in records if r["type"] == "claim"]
    assert Counter(r["action"] for r in txs) == summary.tx_by_action
    assert Counter(r["error"] for r in txs if r["outcome"] == "failure") == summary.tx_failed
    assert Counter(r["reason"] if r["outcome"] == "failure" else "success" for r in claims) == summary.claims
    assert sum(r.get("gas_used", 0) for r in txs + claims) == summary.gas_used
    fees = sum(Decimal(r["fee_usd"]) for r in txs + claims if "fee_usd" in r)
    assert float(fees) == pytest.approx(summary.gas_usd, abs=0.01)
    value = sum(Decimal(r["value_usd"]) for r in claims if r["outcome"] == "success")
    assert float(value) == pytest.approx(summary.claimed_value_usd, abs=0.01)
    assert sum(1 for r in records if r["type"] == "risk_breach") == summary.risk_breaches
    # the pools' and the bridge's fees are costs besides gas, and every swap says what it gave
    protocol_fees = sum(Decimal(r["protocol_fee_usd"]) for r in txs if "protocol_fee_usd" in r)
    assert summary.fees_usd > 0 and float(protocol_fees) == pytest.approx(summary.fees_usd, abs=0.01)
    swaps = [r for r in txs if r["action"] == "swap" and r["outcome"] == "success"]
    assert swaps and all(r["token_in"] != r["token"] and Decimal(r["amount_in"]) > 0 for r in swaps)
    bridges = [r for r in txs if r["action"] == "bridge" and r["outcome"] == "success"]
    assert bridges and all(Decimal(r["protocol_fee"]) > 0 for r in bridges)


def test_plausible_totals(ten_days, capmetrics: CapturedMetrics) -> None:
    summary, _ = ten_days
    # About 2.5 farming actions per wallet per day, plus rebalancing deposits and bridges.
    assert 60 <= summary.transactions <= 400
    assert summary.claims["success"] > 0
    assert sum(summary.claims.values()) >= 4 * 6  # every wallet tries every airdrop at least once
    assert 0 < summary.gas_usd < 0.05 * summary.initial_portfolio_usd
    assert summary.rebalances >= 1
    assert abs(summary.pnl_usd) < 0.2 * summary.initial_portfolio_usd
    # Every slot of every job either ran or was counted missed; retries come on top. A host stall
    # in the last hours can push each job one slot past the end.
    slots = summary.job_runs - summary.job_retries + summary.missed_runs
    assert JOBS_PER_DAY * 10 <= slots <= JOBS_PER_DAY * 10 + 6
    # The SDK saw what the summary counts.
    assert capmetrics.value("airdrops.protocol.tx") == summary.transactions + sum(summary.claims.values())
    assert capmetrics.value("airdrops.claim.attempts", outcome="success") == summary.claims["success"]
    assert capmetrics.value("airdrops.scheduler.job.runs") == summary.job_runs
    assert capmetrics.value("airdrops.scheduler.job.retries") == summary.job_retries
    assert capmetrics.value("airdrops.sdk.events.dropped") == 0


def test_start_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        simulate(1, 1, seed=1, start=datetime(2025, 1, 1))
