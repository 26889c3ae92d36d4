"""`metric_increases`, `ops_daily` and `prometheus_vs_events` on hand-made samples, on both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from airdrops.collectors.config import OPS_RECORDS
from airdrops.collectors.transform.metrics import labels_json, series_id
from airdrops.collectors.warehouse import connect, migrate
from airdrops.collectors.warehouse.migrate import migrations
from tests.servers import Warehouse

DAY = datetime(2025, 3, 1, tzinfo=UTC)
TX = "bot_id_outcome:airdrops_protocol_tx_total:sum"
CLAIMS = "bot_id_outcome_reason:airdrops_claim_attempts_total:sum"
GAS = "bot_id:airdrops_protocol_gas_used_total:sum"
BUCKETS = "bot_id_le:airdrops_rpc_request_duration_seconds_bucket:sum"
REQUESTS = "bot_id:airdrops_rpc_request_duration_seconds_count:sum"
UP = "bot_id:airdrops_bot_up:max"
START = "bot_id:airdrops_bot_start_time_seconds:max"


def at(minute: int) -> datetime:
    return DAY + timedelta(minutes=minute)


def load(conn: Any, metric: str, labels: dict[str, str], points: list[tuple[int, float]]) -> None:
    sid = series_id(metric, labels)
    conn.execute("INSERT INTO metric_series VALUES (%s, %s, %s)", (sid, metric, labels_json(labels)))
    conn.executemany("INSERT INTO metric_samples VALUES (%s, %s, %s)", [(sid, at(m), v) for m, v in points])


def insert(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        cols = ", ".join(row)
        conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(row))})", list(row.values()))


def tx(i: int, minute: float, **extra: Any) -> dict[str, Any]:
    return {"event_id": f"t{i}", "ts": DAY + timedelta(minutes=minute), "bot_id": "b1", "chain": "c", "protocol": "p",
            "action": "swap", "wallet": "w", "outcome": "success", "gas_used": 100, **extra}  # fmt: skip


def claim(i: int, minute: float, outcome: str = "success") -> dict[str, Any]:
    return {"event_id": f"c{i}", "ts": DAY + timedelta(minutes=minute), "bot_id": "b1", "chain": "c", "protocol": "p",
            "airdrop": "a", "wallet": "w", "outcome": outcome, "gas_used": 50}  # fmt: skip


@pytest.fixture
def seeded(warehouse: Warehouse) -> str:
    migrate(warehouse.url)
    with connect(warehouse.url) as conn:
        # transactions (claims included): success 0 -> 3 -> 6, a restart (reset to 1) -> 3: 3 + 3 + 1 + 2 = 9;
        # a failure series born at minute 3 with 1 -> 2: 1 + 1 = 2. Eleven in all, two failed.
        load(conn, TX, {"bot_id": "b1", "outcome": "success"}, [(1, 0), (2, 3), (3, 6), (4, 1), (5, 3)])
        load(conn, TX, {"bot_id": "b1", "outcome": "failure"}, [(3, 1), (5, 2)])
        # claims: 3 in the window, 2 succeeded
        load(conn, CLAIMS, {"bot_id": "b1", "outcome": "success", "reason": "none"}, [(1, 0), (5, 2)])
        load(conn, CLAIMS, {"bot_id": "b1", "outcome": "failure", "reason": "rpc_error"}, [(1, 0), (5, 1)])
        # gas: 8 transactions at 100 and 3 claims at 50 = 950, but Prometheus saw 1000 (lost events)
        load(conn, GAS, {"bot_id": "b1"}, [(1, 0), (5, 1000)])
        # RPC: 100 requests, 50 under 0.1 s, 96 under 0.5 s: p95 = 0.1 + 0.4 * (95 - 50) / (96 - 50)
        for le, n in (("0.1", 50), ("0.5", 96), ("+Inf", 100)):
            load(conn, BUCKETS, {"bot_id": "b1", "le": le}, [(1, 0), (5, n)])
        load(conn, REQUESTS, {"bot_id": "b1"}, [(1, 0), (5, 100)])
        load(conn, UP, {"bot_id": "b1"}, [(1, 1), (2, 1), (3, 0), (4, 1)])
        # events: 7 transactions and 3 claims in (minute 1, minute 5], and one at minute 0.5: b1 started at
        # minute 0.25 and Prometheus saw it from then, so what it did before its first sample counts too: 11
        load(conn, START, {"bot_id": "b1"}, [(1, at(0).timestamp() + 15), (5, at(0).timestamp() + 15)])
        insert(conn, "transactions", [tx(i, 1 + i / 2) for i in range(1, 8)] + [tx(0, 0.5)])
        insert(conn, "claims", [claim(1, 2), claim(2, 3), claim(3, 4, "failure")])
        # b2 was already running for a day when the ETL began (5 transactions before its first sample): only
        # (1, 5] counts
        load(conn, TX, {"bot_id": "b2", "outcome": "success"}, [(1, 5), (5, 8)])
        load(conn, START, {"bot_id": "b2"}, [(1, at(0).timestamp() - 86_400)])
        insert(conn, "transactions", [{**tx(20 + i, m), "bot_id": "b2"} for i, m in enumerate((0.5, 0.8, 2, 3, 4))])
    return warehouse.url


def rows(url: str, sql: str) -> list[dict[str, Any]]:
    with connect(url) as conn:
        frame = conn.fetch_frame(sql)
    return list(frame.iter_rows(named=True))


def test_increases_count_resets_and_births(seeded):
    (got,) = rows(seeded, f"SELECT sum(increase) AS n FROM metric_increases WHERE metric = '{TX}' AND bot_id = 'b1'")
    assert got["n"] == 11.0


def test_ops_daily(seeded):
    (day,) = rows(seeded, "SELECT * FROM ops_daily WHERE bot_id = 'b1'")
    assert (day["bot_id"], day["tx_count"], day["tx_failed"], day["gas_used"]) == ("b1", 11, 2, 1000)
    assert (day["rpc_requests"], day["rpc_errors"], day["rpc_error_ratio"]) == (100, 0, 0.0)
    assert day["rpc_p95_seconds"] == pytest.approx(0.1 + 0.4 * 45 / 46)
    assert day["uptime_share"] == 0.75


def test_p95_in_the_open_bucket_is_the_highest_bound(warehouse: Warehouse):
    migrate(warehouse.url)
    with connect(warehouse.url) as conn:
        for le, n in (("0.1", 50), ("0.5", 90), ("+Inf", 100)):
            load(conn, BUCKETS, {"bot_id": "b2", "le": le}, [(1, 0), (5, n)])
    (day,) = rows(warehouse.url, "SELECT rpc_p95_seconds FROM ops_daily")
    assert day["rpc_p95_seconds"] == 0.5


def test_prometheus_vs_events(seeded):
    got = {r["measure"]: r for r in rows(seeded, "SELECT * FROM prometheus_vs_events WHERE bot_id = 'b1'")}
    assert sorted(got) == ["claims", "claims_succeeded", "gas_used", "transactions"]
    assert (got["transactions"]["prometheus"], got["transactions"]["events"], got["transactions"]["agrees"]) == (
        11.0, 11.0, True,
    )  # fmt: skip
    assert (got["claims"]["events"], got["claims_succeeded"]["events"]) == (3.0, 2.0)
    gas = got["gas_used"]
    assert (gas["prometheus"], gas["events"], gas["difference"], gas["agrees"]) == (1000.0, 950.0, 50.0, False)
    assert gas["window_start"] == at(0) + timedelta(seconds=14) and gas["window_end"] == at(5)
    (b2,) = rows(seeded, "SELECT * FROM prometheus_vs_events WHERE bot_id = 'b2'")
    assert (b2["measure"], b2["prometheus"], b2["events"], b2["agrees"], b2["window_start"]) == (
        "transactions", 3.0, 3.0, True, at(1),
    )  # fmt: skip


def test_the_views_read_only_rules_the_etl_loads_by_default():
    sql = next(m.sql for m in migrations("duckdb") if m.name == "prometheus_views")
    named = set(re.findall(r"'([a-z_]+:[a-z_:]+)'", sql))
    assert len(named) >= 8 and named <= set(OPS_RECORDS), named - set(OPS_RECORDS)


def test_check_sources_warns_and_counts_each_disagreement(seeded, capmetrics, caplog):
    from airdrops.collectors.reconcile import check_sources

    with connect(seeded) as conn:
        found = check_sources(conn, DAY.date(), DAY.date() + timedelta(days=1))
        assert check_sources(conn, DAY.date() + timedelta(days=1), DAY.date() + timedelta(days=2)) == []
    assert [(d.bot_id, d.measure, d.prometheus, d.events) for d in found] == [("b1", "gas_used", 1000.0, 950.0)]
    assert capmetrics.value("airdrops.etl.sources.disagreements", measure="gas_used") == 1
    assert "disagree on gas_used for bot b1 on 2025-03-01: 1000.0 counted, 950.0 recorded" in caplog.text
