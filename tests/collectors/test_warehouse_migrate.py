from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from airdrops.collectors.transform.events import COLUMNS
from airdrops.collectors.transform.metrics import labels_json, series_id
from airdrops.collectors.warehouse import connect, migrate, outflow_prices
from airdrops.collectors.warehouse.migrate import apply, migrations
from airdrops.collectors.warehouse.partitions import ensure_metric_partitions, months
from airdrops.collectors.warehouse.rollups import OUTFLOWS, ROLLUPS
from airdrops.services.postgres import PostgresServer
from tests.servers import Warehouse

VIEWS = {
    "claim_success_rate", "roi_by_protocol", "roi_by_airdrop", "portfolio_value_daily",
    # 0004, for airdrops.analytics
    "claim_outcomes", "latest_prices", "gas_costs_daily", "capital_flows", "risk_breach_events",
    # 0008: claims in the vocabulary's taxonomy, costs per wallet
    "claim_attempts", "costs_by_wallet", "airdrop_returns",
    # 0009: what Prometheus counted, per day
    "ops_daily", "prometheus_vs_events", "metric_increases",
    # 0014: claims_daily in the taxonomy
    "claim_days",
}  # fmt: skip
#: Views the reader role may not read: they show raw metric samples.
INTERNAL_VIEWS = {"metric_increases"}
TABLES = {
    "schema_migrations", "events_raw", "transactions", "claims", "allocations", "risk_breaches",
    "portfolio_snapshots", "prices", "metric_series", "metric_samples", "etl_runs", "etl_watermarks",
    "etl_reconciliation", "etl_quarantine", "roi_results",
    # 0007: the vocabulary's definitions
    "claim_reasons", "definitions",
    # 0014: the rollups
    *(r.table for r in ROLLUPS),
}  # fmt: skip


def _logical_type(data_type: str, precision: int | None, scale: int | None) -> str:
    t = data_type.lower()
    if t.startswith(("numeric", "decimal")):
        return f"numeric({precision},{scale})"
    return {
        "character varying": "text",
        "varchar": "text",
        "timestamp with time zone": "timestamptz",
        "double precision": "double",
        "jsonb": "json",
    }.get(t, t)


def _schema(url: str) -> dict[str, dict[str, str]]:
    """relation -> column -> logical type, for every table and view the migrations created."""
    with connect(url) as conn:
        where = "table_schema = current_schema()" if conn.dialect == "postgres" else "table_schema = 'main'"
        rows = conn.execute(
            "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale "
            f"FROM information_schema.columns WHERE {where} AND table_name NOT LIKE 'metric_samples_%%' "
            "ORDER BY table_name, ordinal_position"
        )
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type, precision, scale in rows:
        out.setdefault(table, {})[column] = _logical_type(data_type, precision, scale)
    return out


def test_a_collector_refuses_a_warehouse_a_newer_release_migrated(warehouse: Warehouse, tmp_path: Path) -> None:
    """As Flyway does: tables that mean more than this release writes are not written to."""
    from airdrops.collectors.errors import EtlError
    from airdrops.collectors.pipeline import run_events
    from tests.collectors.cases import event, write

    migrate(warehouse.url)
    with connect(warehouse.url) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', now())")
    write(tmp_path / "events" / "a-1-x-00000.jsonl", [event("price")])
    with pytest.raises(EtlError, match=r"has migrations newer than this collector \(999\): upgrade the collector"):
        run_events(warehouse.url, tmp_path / "events")
    with connect(warehouse.url) as conn:
        assert conn.execute("SELECT count(*) FROM events_raw")[0][0] == 0


def test_both_dialects_ship_the_same_versions() -> None:
    pg = [(m.version, m.name) for m in migrations("postgres")]
    duck = [(m.version, m.name) for m in migrations("duckdb")]
    assert pg == duck and pg[0] == (1, "tables")


def test_migrate_is_idempotent(warehouse: Warehouse) -> None:
    versions = [m.version for m in migrations("duckdb")]
    assert migrate(warehouse.url) == versions
    assert migrate(warehouse.url) == []
    with connect(warehouse.url) as conn:
        recorded = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [v for v, _ in recorded] == versions


def test_same_tables_views_columns_and_types_on_both_backends(
    duckdb_warehouse: Warehouse, postgres_warehouse: Warehouse
) -> None:
    migrate(duckdb_warehouse.url)
    migrate(postgres_warehouse.url)
    duck, pg = _schema(duckdb_warehouse.url), _schema(postgres_warehouse.url)
    assert set(pg) == set(duck) == TABLES | VIEWS
    for relation in TABLES | VIEWS:
        assert list(pg[relation].items()) == list(duck[relation].items()), relation
    assert pg["claims"]["fee_usd"] == "numeric(38,18)" and pg["claims"]["gas_price_wei"] == "numeric(38,0)"
    assert pg["claim_success_rate"]["success_rate"] == "double"


def test_event_tables_match_the_event_schema(duckdb_warehouse: Warehouse) -> None:
    """The ETL's columns come from airdrops.monitoring.event_schema; the migrations must agree."""
    migrate(duckdb_warehouse.url)
    schema = _schema(duckdb_warehouse.url)
    for table, columns in COLUMNS.items():
        assert set(schema[table]) == {c.name for c in columns}, table


def test_rollup_tables_have_the_columns_their_definitions_fill(duckdb_warehouse: Warehouse) -> None:
    migrate(duckdb_warehouse.url)
    schema = _schema(duckdb_warehouse.url)
    for rollup in ROLLUPS:
        priced = list(outflow_prices.COLUMNS) if rollup is OUTFLOWS else []  # set by outflow_prices, not the rollup
        assert list(schema[rollup.table]) == [*rollup.columns, *priced], rollup.table


def test_text_series_ids_of_an_older_warehouse_become_the_int8_ids(warehouse: Warehouse) -> None:
    labels = {"bot_id": "bot-1", "job": "airdrops-bot"}
    names = [f"m{i}" for i in range(40)]  # about half the ids have the top bit set (negative)
    old = [hashlib.sha1((n + labels_json(labels)).encode()).hexdigest() for n in names]
    with connect(warehouse.url) as conn:
        for m in migrations(conn.dialect):
            statements = [line for line in m.sql.splitlines() if line.strip() and not line.startswith("--")]
            if m.version < 6 and statements:  # the warehouse as 0005 left it: sha1 hex text ids
                conn.execute(m.sql)
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text, applied_at timestamptz)")
        conn.executemany("INSERT INTO schema_migrations VALUES (%s, %s, now())",
                         [(m.version, m.name) for m in migrations(conn.dialect) if m.version < 6])  # fmt: skip
        conn.executemany(
            "INSERT INTO metric_series VALUES (%s, %s, %s)",
            [(h, n, labels_json(labels)) for h, n in zip(old, names, strict=True)],
        )
        conn.executemany("INSERT INTO metric_samples VALUES (%s, '2025-01-15 00:00:00+00', 1.0)", [(h,) for h in old])
        assert apply(conn) == [m.version for m in migrations(conn.dialect) if m.version >= 6]
        got = dict(conn.execute("SELECT metric, series_id FROM metric_series"))
        samples = {sid for (sid,) in conn.execute("SELECT series_id FROM metric_samples")}
    want = {n: series_id(n, labels) for n in names}
    assert got == want and samples == set(want.values())
    assert any(v < 0 for v in want.values()) and any(v > 0 for v in want.values())


def test_months_cover_the_window() -> None:
    got = months(datetime(2024, 11, 30, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
    assert [m.strftime("%Y-%m") for m in got] == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_metric_partitions_move_rows_out_of_the_default(postgres_warehouse: Warehouse) -> None:
    migrate(postgres_warehouse.url)
    jan = datetime(2025, 1, 15, tzinfo=UTC)
    with connect(postgres_warehouse.url) as conn:
        conn.execute("INSERT INTO metric_samples VALUES (1, %s, 1.0), (1, %s, 2.0)", (jan, jan.replace(month=2)))
        assert ensure_metric_partitions(conn, jan, jan.replace(month=2)) == [
            "metric_samples_p202501",
            "metric_samples_p202502",
        ]
        assert ensure_metric_partitions(conn, jan, jan) == ["metric_samples_p202501"]  # already there: no-op
        by_partition = conn.execute(
            "SELECT tableoid::regclass::text, count(*) FROM metric_samples GROUP BY 1 ORDER BY 1"
        )
    assert by_partition == [("metric_samples_p202501", 1), ("metric_samples_p202502", 1)]


def test_duckdb_has_no_partitions_to_make(duckdb_warehouse: Warehouse) -> None:
    migrate(duckdb_warehouse.url)
    with connect(duckdb_warehouse.url) as conn:
        assert ensure_metric_partitions(conn, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)) == []


def test_reader_role_reads_views_only_and_writer_cannot_create(
    postgres_warehouse: Warehouse, postgres_server: PostgresServer
) -> None:
    migrate(postgres_warehouse.url)
    database = postgres_warehouse.url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server.url(database), autocommit=True) as admin:
        for login, group in (("grafana_test", "airdrops_reader"), ("etl_test", "airdrops_etl")):
            exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
            if not exists:
                admin.execute(f"CREATE ROLE {login} LOGIN")
            admin.execute(f"GRANT {group} TO {login}")
        roles = dict(admin.execute("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'airdrops_%%'"))
    assert roles == {"airdrops_etl": False, "airdrops_reader": False}

    with psycopg.connect(postgres_server.url(database, user="grafana_test"), autocommit=True) as reader:
        assert reader.execute("SELECT count(*) FROM claim_success_rate").fetchone() == (0,)
        for view in VIEWS - INTERNAL_VIEWS:
            reader.execute(f"SELECT * FROM {view}")
        for relation in ("claims", "claims_daily", "metric_samples", "metric_series", *INTERNAL_VIEWS):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(f"SELECT * FROM {relation}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("INSERT INTO claims (event_id, ts, bot_id, chain, protocol, airdrop, wallet, outcome) "
                           "VALUES ('x', now(), 'b', 'c', 'p', 'a', 'w', 'success')")  # fmt: skip

    with psycopg.connect(postgres_server.url(database, user="etl_test"), autocommit=True) as writer:
        writer.execute("INSERT INTO etl_watermarks VALUES ('t', '{}', now())")
        # month partitions come through the SECURITY DEFINER function, not CREATE on the schema
        assert writer.execute("SELECT metric_samples_ensure_partition('2030-01-05')").fetchone() == (
            "metric_samples_p203001",
        )
        writer.execute("UPDATE claims_daily SET attempts = attempts + 1")  # a load merges into the rollups
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            writer.execute("CREATE TABLE sneaky (x int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            writer.execute("DELETE FROM claims")
    # the ETL checks migrations before every load: as the writer, on a migrated warehouse, a no-op
    assert migrate(postgres_server.url(database, user="etl_test")) == []


def test_copy_binary_writes_ready_made_copy_data(postgres_warehouse: Warehouse) -> None:
    import struct

    migrate(postgres_warehouse.url)
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
    row = struct.pack("!h", 3) + struct.pack("!iq", 8, -7)
    row += struct.pack("!iq", 8, 0)  # timestamptz: microseconds since 2000-01-01
    row += struct.pack("!id", 8, 1.5)
    with connect(postgres_warehouse.url) as conn:
        with conn.transaction():
            conn.copy_binary("metric_samples", ["series_id", "ts", "value"], [header, row, struct.pack("!h", -1)])
        assert conn.execute("SELECT series_id, value FROM metric_samples") == [(-7, 1.5)]


def test_the_shared_tables_are_written_once_and_spelled_per_dialect():
    from importlib import resources

    root = resources.files("airdrops.collectors.warehouse").joinpath("migrations")
    for dialect in ("postgres", "duckdb"):
        assert "CREATE TABLE claims" not in root.joinpath(dialect, "0001_tables.sql").read_text()
    assert "CREATE TABLE claims" in root.joinpath("common", "0001_tables.sql").read_text()
    pg, duck = (next(m.sql for m in migrations(d) if m.version == 1) for d in ("postgres", "duckdb"))
    assert 'event_id text COLLATE "C" PRIMARY KEY' in pg and "payload jsonb NOT NULL" in pg
    assert "event_id text PRIMARY KEY" in duck and "payload JSON NOT NULL" in duck
    assert "{{" not in pg + duck
    assert pg.index("CREATE TABLE claims") < pg.index("CREATE INDEX claims_ts")  # the overlay follows
