"""Versioned SQL migrations: one shared folder (`migrations/common`) and one per dialect for what differs.

Files are `NNNN_name.sql`; every version creates the same logical tables and views in both dialects.
Each pending migration runs in its own transaction together with its `schema_migrations` row, so a
failed migration leaves nothing behind and a second `migrate()` applies nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from airdrops.collectors.retry import Retry
from airdrops.collectors.warehouse import definitions, outflow_prices, rollups
from airdrops.collectors.warehouse.connect import Connection, connect
from airdrops.collectors.warehouse.url import Dialect, WarehouseURL

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK = "airdrops.warehouse.migrate"
#: What `{{ name }}` stands for in a migration, by dialect.
TYPES: dict[Dialect, dict[str, str]] = {
    "postgres": {"id": 'text COLLATE "C"', "json": "jsonb"},
    "duckdb": {"id": "text", "json": "JSON"},
}

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(dialect: Dialect) -> list[Migration]:
    """Every migration shipped for `dialect`, in version order.

    SQL that is the same in both dialects lives once in `migrations/common`; a file of the same
    version in the dialect's own folder follows it (what only that dialect has). `{{ name }}` in
    either stands for the dialect's spelling of a type (`TYPES`).
    """
    root = resources.files("airdrops.collectors.warehouse").joinpath("migrations")
    parts: dict[int, list[tuple[str, str]]] = {}
    for folder in ("common", dialect):
        for entry in sorted(root.joinpath(folder).iterdir(), key=lambda e: e.name):
            match = _FILE.match(entry.name)
            if match:
                parts.setdefault(int(match[1]), []).append((match[2], entry.read_text(encoding="utf-8")))
    return [
        Migration(version, parts[version][0][0], _fill("\n".join(sql for _, sql in parts[version]), dialect))
        for version in sorted(parts)
    ]


def _fill(sql: str, dialect: Dialect) -> str:
    for name, spelling in TYPES[dialect].items():
        sql = sql.replace("{{ " + name + " }}", spelling)
    if "{{" in sql:
        raise ValueError(f"a migration names an unknown type: {sql[sql.index('{{') :][:40]!r}")
    return sql


def migrate(url: str | WarehouseURL | None = None, *, retry: Retry | None = None, upto: int | None = None) -> list[int]:
    """Apply the pending migrations to the warehouse at `url`; the versions applied now (empty: up to date)."""
    with connect(url, retry=retry) as conn:
        return apply(conn, upto=upto)


def apply(conn: Connection, *, upto: int | None = None) -> list[int]:
    """Apply the pending migrations on an open connection, then sync the vocabulary's tables; the versions applied now.

    `upto`: stop after that version (an older schema, for upgrade tests and benchmarks). On an up-to-date
    warehouse this runs no DDL, so the ETL's writer role (no CREATE on the schema) gets through too.
    """
    done = _apply_pending(conn, upto) if pending(conn) else []
    if max(applied(conn), default=0) >= definitions.SINCE_VERSION:
        definitions.sync(conn)
    return done


def _apply_pending(conn: Connection, upto: int | None) -> list[int]:
    conn.execute(_BOOTSTRAP)
    conn.lock(_LOCK)  # one migrator at a time
    try:
        done = applied(conn)
        now = []
        for m in migrations(conn.dialect):
            if m.version in done or (upto is not None and m.version > upto):
                continue
            with conn.transaction():
                if _has_statements(m.sql):
                    conn.execute(m.sql)
                if m.version == rollups.SINCE_VERSION:  # the rollups of the rows stored before them
                    rollups.refill_groups(conn)
                if m.version == outflow_prices.SINCE_VERSION:  # the price of each outflow stored before
                    outflow_prices.price_all(conn)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                    (m.version, m.name, datetime.now(UTC)),
                )
            now.append(m.version)
        return now
    finally:
        conn.unlock(_LOCK)


def applied(conn: Connection) -> set[int]:
    """Versions recorded in `schema_migrations` (empty if the table does not exist yet)."""
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        + (" AND table_schema = current_schema()" if conn.dialect == "postgres" else "")
    )
    if not exists[0][0]:
        return set()
    return {int(v) for (v,) in conn.execute("SELECT version FROM schema_migrations")}


def pending(conn: Connection) -> list[Migration]:
    """Migrations not applied yet on this connection's warehouse."""
    done = applied(conn)
    return [m for m in migrations(conn.dialect) if m.version not in done]


def unknown(conn: Connection) -> list[int]:
    """Versions applied to this warehouse that this code does not know (a newer release migrated it)."""
    known = {m.version for m in migrations(conn.dialect)}
    return sorted(applied(conn) - known)


def _has_statements(sql: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in sql.splitlines())
