"""The rollups the report's views read: each equals its recompute from the stored events after loads of
every kind (small chunks, duplicates, conflicts, late prices, two loaders at once), an upgraded warehouse
gets them filled, and on PostgreSQL the report's views plan no scan of the large event tables."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from airdrops.collectors.config import EventsConfig, ExtractConfig
from airdrops.collectors.pipeline import run_events
from airdrops.collectors.warehouse import connect, migrate, outflow_prices, rollups
from airdrops.collectors.warehouse.rollups import ROLLUPS, SINCE_VERSION
from tests.collectors.cases import event, write
from tests.servers import Warehouse

pytestmark = [pytest.mark.integration]

SMALL_CHUNKS = EventsConfig(extract=ExtractConfig(chunk_lines=50))


def without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


def edge_events() -> list[dict[str, Any]]:
    """What the reference bot's history lacks: a claimed token sold and bridged out, claims without a token or
    a reason, two prices of one moment, a snapshot split between chunks."""
    claim = event("claim", airdrop="new-s1", token="NEW", amount="100", value_usd="200")
    snapshot = [
        event("portfolio_snapshot", snapshot_id="late", token=t, value_usd=v, ts="2025-01-03T00:00:00Z")
        for t, v in (("ETH", "10"), ("NEW", "2.5"))
    ]
    return [
        claim,
        without(event("claim", outcome="failure", reason="gas_too_high"), "token", "amount", "value_usd"),
        without(event("claim", outcome="failure"), "reason", "token", "amount", "value_usd"),
        event("transaction", action="swap", token_in="NEW", amount_in="40", token="USDC", amount="75"),
        event("transaction", action="bridge", token="NEW", amount="10", protocol_fee="1", protocol_fee_token="NEW"),
        event("transaction", action="swap", outcome="failure", token_in="NEW", amount_in="5"),
        event("price", token="NEW", price_usd="2", ts="2025-01-02T00:00:00Z", event_id="a" * 32),
        event("price", token="NEW", price_usd="3", ts="2025-01-02T00:00:00Z", event_id="b" * 32),
        *snapshot,
    ]


def assert_rollups_agree(url: str) -> dict[str, int]:
    """Every rollup equals its recompute from the stored events; the rows of each."""
    sizes = {}
    with connect(url) as conn:
        for rollup in ROLLUPS:
            columns = ", ".join(rollup.columns)
            stored = conn.fetch_frame(f"SELECT {columns} FROM {rollup.table}")
            recomputed = conn.fetch_frame(f"SELECT {columns} FROM ({rollup.select(rollup.source)}) r")
            keys = list(rollup.keys)
            # a sum's type is wider than the column it lands in (DuckDB: bigint sums are decimal(38,0))
            assert_frame_equal(stored.sort(keys), recomputed.cast(dict(stored.schema)).sort(keys), check_exact=True)
            sizes[rollup.table] = stored.height
    return sizes


def test_rollups_equal_their_recompute_after_loads_of_every_kind(
    warehouse: Warehouse, events_dir: Path, tmp_path: Path
) -> None:
    edges = edge_events()
    # a token sold before its claim is loaded (another bot's log comes later)
    late_sale = event("transaction", action="swap", token_in="LATE", amount_in="7", token="USDC", amount="14")
    late_claim = event("claim", airdrop="late-s1", token="LATE", amount="20", value_usd="40")
    late_price = event("price", token="LATE", price_usd="1.5", ts="2025-01-02T00:00:00Z")
    # the snapshot's last holding comes later
    write(events_dir / "edges-1-a-00000.jsonl", [*edges[:-1], late_sale, late_price])
    first = run_events(warehouse.url, events_dir, config=SMALL_CHUNKS)
    assert first.ok and first.loaded > 500 and first.chunks > 10
    with connect(warehouse.url) as conn:
        assert conn.execute("SELECT price_usd FROM latest_prices WHERE token = 'NEW'")[0][0] == 3  # ts, then event_id
        # sold 40 and bridged 10 + 1 fee out at 3 (of the two prices of one moment, the greater event_id)
        assert float(conn.execute("SELECT realized_usd FROM airdrop_returns WHERE token = 'NEW'")[0][0]) == 153.0
    # a later run: the rest of the snapshot, prices of NEW older than its price point, newer but still before
    # the sales, and after them; the late claim, the same events again, one reused id
    prices = [
        event("price", token="NEW", price_usd=p, ts=ts)
        for p, ts in (("9", "2024-12-01T00:00:00Z"), ("4", "2025-01-02T01:00:00Z"), ("100", "2025-01-05T00:00:00Z"))
    ]
    reused = dict(edges[0], amount="999")
    write(events_dir / "edges-1-b-00000.jsonl", [edges[-1], *prices, late_claim, *edges[:5], reused])
    second = run_events(warehouse.url, events_dir, config=SMALL_CHUNKS)
    assert second.ok and (second.loaded, second.duplicates, second.quarantined) == (5, 5, 1)
    # sales of NEW loaded after all its prices: one before its newest price (priced from the history at 4),
    # one after it (at 100); and one more old price of NEW, older than every sale's price point
    later_sales = [
        event("transaction", action="swap", token_in="NEW", amount_in="5", token="USDC", amount="1", ts=ts)
        for ts in ("2025-01-02T02:00:00Z", "2025-01-06T00:00:00Z")
    ]
    old_price = event("price", token="NEW", price_usd="7", ts="2024-12-15T00:00:00Z")
    write(events_dir / "edges-1-c-00000.jsonl", [*later_sales, old_price])
    assert run_events(warehouse.url, events_dir, config=SMALL_CHUNKS).loaded == 3

    sizes = assert_rollups_agree(warehouse.url)
    assert all(sizes.values()), sizes  # every rollup has rows to compare
    with connect(warehouse.url) as conn:
        assert rollups.differing(conn) == []  # what `airdrops warehouse check` runs agrees
        # the same outflows at 4, the newest price before them, loaded after them, and the later sales:
        # 51 at 4 + 5 at 4 + 5 at 100 of the 100 claimed, 39 held
        sold = conn.execute("SELECT amount_sold, realized_usd, amount_held FROM airdrop_returns WHERE token = 'NEW'")
        assert [tuple(float(v) for v in row) for row in sold] == [(61.0, 724.0, 39.0)]
        # the sale loaded before its claim counts, at the price of its moment: 7 of 20 at 1.5
        late = conn.execute("SELECT amount_sold, realized_usd, amount_held FROM airdrop_returns WHERE token = 'LATE'")
        assert [tuple(float(v) for v in row) for row in late] == [(7.0, 10.5, 13.0)]
        # only claimed tokens' outflows are kept: the farming's USDC and ETH swaps are not
        kept = {r[0] for r in conn.execute("SELECT DISTINCT token FROM token_outflows")}
        claimed = {r[0] for r in conn.execute("SELECT token FROM claims WHERE outcome = 'success'")}
        assert {"NEW", "LATE"} <= kept <= claimed and "USDC" not in claimed
        conn.execute("DELETE FROM transactions WHERE action = 'bridge'")
        assert rollups.differing(conn) == ["transactions_daily", "transaction_costs_by_wallet", "token_outflows"]
        rollups.rebuild(conn)
        assert conn.execute("SELECT price_usd FROM latest_prices WHERE token = 'NEW'")[0][0] == 100
        late = conn.execute("SELECT value_usd, holdings FROM portfolio_snapshot_totals WHERE snapshot_id = 'late'")
        assert [(float(v), n) for v, n in late] == [(12.5, 2)]  # summed over both runs
        # the bridge is gone: 45 at 4 + 5 at 100 of the 100 claimed realized, 50 held
        sold = conn.execute("SELECT amount_sold, realized_usd, amount_held FROM airdrop_returns WHERE token = 'NEW'")
        assert [tuple(float(v) for v in row) for row in sold] == [(50.0, 680.0, 50.0)]
        # a price written around the ETL: `check` names the outflows it would price, `rebuild` prices them
        conn.execute("UPDATE prices SET price_usd = 5 WHERE token = 'NEW' AND price_usd = 4")
        assert rollups.differing(conn) == ["token_outflows"]
        rollups.rebuild(conn)
        assert float(conn.execute("SELECT realized_usd FROM airdrop_returns WHERE token = 'NEW'")[0][0]) == 725.0


def test_two_loaders_at_once_add_each_event_once(postgres_warehouse: Warehouse, events_dir: Path) -> None:
    """Two hosts' collectors loading the same events (their own streams) into one PostgreSQL at the same time."""
    url = postgres_warehouse.url
    migrate(url)
    results = []

    def load(source: str) -> None:
        config = EventsConfig(extract=ExtractConfig(chunk_lines=500), source=source)
        results.append(run_events(url, events_dir, config=config))

    threads = [threading.Thread(target=load, args=(s,)) for s in ("host-a", "host-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.ok for r in results) and sum(r.loaded for r in results) == results[0].lines
    assert all(assert_rollups_agree(url).values())
    with connect(url) as conn:
        assert rollups.differing(conn) == []  # the outflows' prices too


def test_an_upgraded_warehouse_gets_its_rollups_from_the_rows_it_holds(tmp_path: Path) -> None:
    from tests.analytics import cases
    from tests.analytics.test_warehouse import ordered

    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    assert max(migrate(url, upto=SINCE_VERSION - 1)) == SINCE_VERSION - 1
    with connect(url) as conn, conn.transaction():
        cases.insert(conn)
    assert SINCE_VERSION in migrate(url)
    assert_rollups_agree(url)
    from airdrops.analytics import open_views

    with open_views(url) as views:
        for view in ("claim_success_rate", "roi_by_airdrop", "portfolio_value_daily", "latest_prices"):
            assert_frame_equal(ordered(views[view]), ordered(cases.VIEW_FRAMES[view]), check_exact=False, rel_tol=1e-12)


def test_upgrading_drops_the_outflows_of_tokens_never_claimed_and_prices_the_rest(warehouse: Warehouse) -> None:
    """0014 kept every swap's and bridge's outflow; since 0015 only claimed tokens' (the farming's are not returns),
    each priced at its moment since 0016: airdrop_returns gives what it gave before."""
    from tests.analytics import cases

    migrate(warehouse.url, upto=SINCE_VERSION - 1)
    with connect(warehouse.url) as conn, conn.transaction():
        cases.insert(conn)
    migrate(warehouse.url, upto=SINCE_VERSION)
    with connect(warehouse.url) as conn:
        conn.execute("INSERT INTO token_outflows VALUES ('farming-swap', '2025-01-02 00:00:00+00', 'USDC', 5)")
    with connect(warehouse.url) as conn:
        assert conn.execute("SELECT count(*) FROM token_outflows WHERE token = 'USDC'")[0][0] == 1
        before = conn.fetch_frame("SELECT * FROM airdrop_returns ORDER BY airdrop, chain")
    assert migrate(warehouse.url) == [SINCE_VERSION + 1, outflow_prices.SINCE_VERSION]
    with connect(warehouse.url) as conn:
        assert rollups.differing(conn) == []
        assert conn.execute("SELECT count(*) FROM token_outflows WHERE token = 'USDC'")[0][0] == 0
        assert before.height > 0
        assert_frame_equal(conn.fetch_frame("SELECT * FROM airdrop_returns ORDER BY airdrop, chain"), before)


#: The event tables the report's views may still read, and why: allocations and risk_breaches are read
#: whole (capital over time, open breaches: few rows next to transactions and snapshots); claims and
#: transactions by prometheus_vs_events, which matches each event to a Prometheus window within a day
#: (docs/analytics.md, "Rollups").
RAW_READS = {
    "capital_flows": {"allocations"},
    "risk_breach_events": {"risk_breaches"},
    "prometheus_vs_events": {"claims", "transactions"},
}
RAW_TABLES = {"events_raw", "transactions", "claims", "allocations", "risk_breaches", "portfolio_snapshots", "prices"}


def planned_relations(conn: Any, view: str) -> set[str]:
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) SELECT * FROM {view}")[0][0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def test_the_report_views_read_rollups_not_event_tables(postgres_warehouse: Warehouse, events_dir: Path) -> None:
    from airdrops.analytics.query import VIEWS

    url = postgres_warehouse.url
    assert run_events(url, events_dir).ok
    with connect(url) as conn:
        conn.execute("ANALYZE")
        for view in VIEWS:
            raw = planned_relations(conn, view) & RAW_TABLES
            assert raw <= RAW_READS.get(view, set()), (view, raw)
        # pricing the outflows (a load, `rebuild`) looks each one's price up through an index, never reads all prices
        lookup = "\n".join(r[0] for r in conn.execute(f"EXPLAIN {outflow_prices.points('postgres', 'true')}"))
        assert re.search(r"Index Scan (Backward )?using \w+ on prices ", lookup) and "Seq Scan on prices " not in lookup


def test_the_rollups_fill_views_as_the_raw_rows_would(duckdb_warehouse: Warehouse, events_dir: Path) -> None:
    """A recount from the raw rows, outside the views, for the two numbers users compare most."""
    url = duckdb_warehouse.url
    assert run_events(url, events_dir, config=SMALL_CHUNKS).ok
    with connect(url) as conn:
        by_views = conn.fetch_frame(
            "SELECT protocol, chain, gas_usd, tx_count FROM roi_by_protocol ORDER BY protocol, chain"
        )
        by_rows = conn.fetch_frame(
            "SELECT protocol, chain, CAST(coalesce(sum(fee_usd), 0) AS numeric(38,18)) AS gas_usd, "
            "CAST(count(*) AS bigint) AS tx_count FROM (SELECT protocol, chain, fee_usd FROM transactions "
            "UNION ALL SELECT protocol, chain, fee_usd FROM claims) a GROUP BY 1, 2 ORDER BY 1, 2"
        )
        assert_frame_equal(by_views, by_rows)
        attempts = conn.execute("SELECT sum(attempts) FROM claim_success_rate")[0][0]
        assert attempts == conn.execute("SELECT count(*) FROM claims")[0][0] > 0
    assert by_views.height > 0 and pl.Series(by_views["tx_count"]).sum() > 0


#: The indexes of each event table since migration 15: the primary key, a BRIN index on ts for time ranges
#: over raw rows, and the B-trees a view looks rows up by (RAW_READS); the rest cost every load and served nothing.
EVENT_INDEXES = {
    "events_raw": {"events_raw_pkey", "events_raw_ts"},  # the ETL's lag reads max(ts), which BRIN cannot answer
    "transactions": {"transactions_pkey", "transactions_bot_ts", "transactions_ts_brin"},
    "claims": {"claims_pkey", "claims_bot_ts", "claims_ts_brin"},
    "prices": {"prices_pkey", "prices_token_ts", "prices_ts_brin"},
    "portfolio_snapshots": {"portfolio_snapshots_pkey", "portfolio_snapshots_ts_brin"},
    "allocations": {"allocations_pkey", "allocations_ts_brin"},
    "risk_breaches": {"risk_breaches_pkey", "risk_breaches_ts_brin"},
}


def test_event_tables_keep_only_the_indexes_a_query_uses(postgres_warehouse: Warehouse, events_dir: Path) -> None:
    url = postgres_warehouse.url
    assert run_events(url, events_dir).ok
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE tablename = ANY(%s)", (list(RAW_TABLES),)
        )
        found: dict[str, set[str]] = {}
        for table, index in rows:
            found.setdefault(table, set()).add(index)
        assert found == EVENT_INDEXES
        conn.execute("ANALYZE")
        conn.execute("SET enable_seqscan = off")  # the tables are small here: shows a time range has an index
        for table in RAW_TABLES - {"events_raw"}:
            plan = "\n".join(
                r[0] for r in conn.execute(f"EXPLAIN SELECT count(*) FROM {table} WHERE ts >= %s", ("2025-01-02",))
            )
            assert "Seq Scan" not in plan, plan
            if len(EVENT_INDEXES[table]) == 2:  # the BRIN index is the only one on ts
                assert f"Bitmap Index Scan on {table}_ts_brin" in plan, plan
