"""The price of each claimed token's outflow, stored with it so that airdrop_returns reads no price history.

An outflow's price is its token's newest price at or before the outflow (ties on ts: the greater event_id),
the price point `price_ts`, `price_event_id`, `price_usd` of `token_outflows`; NULL when the token had no
price yet (airdrop_returns then uses the average claim-time price). It is set when an outflow is stored and
set again when a price arrives that is newer than an outflow's price point and not after the outflow: logs
of several bots, and late price feeds, arrive in any order.

Read-time lookups grew with the price history: DuckDB has no index join, and its ASOF join reads every price
of the claimed tokens (benchmarks/views.py: 0.13 s at 10 M events, 1.8 s at 100 M).
"""

from __future__ import annotations

from airdrops.collectors.warehouse.connect import Connection

#: The migration that adds the price point columns (the migrator prices the stored outflows when it applies it).
SINCE_VERSION = 16
COLUMNS = ("price_ts", "price_event_id", "price_usd")
_POINT = "event_id, ts, token, price_usd"


def price(conn: Connection, affected: str, params: tuple[object, ...] = (), prices: str = "prices") -> int:
    """Price the outflows that `affected` (a condition on `o`, a row of token_outflows) selects from the price
    rows of `prices` (a table or subquery with prices' columns), where one is at or before them; how many changed."""
    sets = ", ".join(f"{c} = found.{c}" for c in COLUMNS)
    changed = " OR ".join(f"token_outflows.{c} IS DISTINCT FROM found.{c}" for c in COLUMNS)
    return conn.execute_rowcount(
        f"UPDATE token_outflows SET {sets} FROM ({points(conn.dialect, affected, prices)}) found "
        f"WHERE token_outflows.event_id = found.event_id AND token_outflows.token = found.token AND ({changed})",
        params,
    )


def price_all(conn: Connection) -> int:
    """Price every stored outflow (the migration that adds the columns, `rollups.refill`)."""
    return price(conn, "true")


def after_outflows(conn: Connection, stage: str) -> None:
    """Price the outflows the fresh transactions of `stage` brought."""
    fresh = f"o.event_id IN (SELECT event_id FROM {stage} WHERE _fresh)"
    # at or after its token's newest price (most of them, as logs come in): that price
    price(conn, fresh, prices="prices_latest")
    # before it: the price history
    price(conn, f"{fresh} AND o.price_ts IS NULL")


def after_prices(conn: Connection, stage: str) -> None:
    """Reprice the outflows that a fresh price of `stage` is newer for than their price point, and not after.

    The newest price of such an outflow is one of the fresh prices: its price point was the newest of those
    stored before.
    """
    later_id = f"{_c_order('f.event_id', conn.dialect)} > o.price_event_id"
    newer = (
        f"EXISTS (SELECT 1 FROM {stage} f WHERE f._fresh AND f.token = o.token AND f.ts <= o.ts AND "
        f"(o.price_ts IS NULL OR f.ts > o.price_ts OR (f.ts = o.price_ts AND {later_id})))"
    )
    price(conn, newer, prices=f"(SELECT {_POINT} FROM {stage} WHERE _fresh)")


def points(dialect: str, affected: str, prices: str = "prices") -> str:
    """event_id, token and price point of each outflow `affected` selects that has a price at or before it."""
    if dialect == "postgres":
        # one index lookup (prices (token, ts)) per outflow
        return (
            "SELECT o.event_id, o.token, p.ts AS price_ts, p.event_id AS price_event_id, p.price_usd "
            f"FROM token_outflows o CROSS JOIN LATERAL (SELECT ts, event_id, price_usd FROM {prices} p "
            "WHERE p.token = o.token AND p.ts <= o.ts "
            f"ORDER BY ts DESC, {_c_order('event_id', dialect)} DESC LIMIT 1) p "
            f"WHERE {affected}"
        )
    # DuckDB: an ASOF join finds each outflow's newest price ts, then the greatest event_id of that ts
    candidates = (
        f"(SELECT {_POINT} FROM {prices} p WHERE token IN (SELECT token FROM outflows) "
        "AND ts <= (SELECT max(ts) FROM outflows))"
    )
    return (
        f"WITH outflows AS (SELECT event_id, token, ts FROM token_outflows o WHERE {affected}), "
        f"newest AS (SELECT o.event_id, o.token, p.ts AS price_ts FROM outflows o ASOF JOIN {candidates} p "
        "ON p.token = o.token AND o.ts >= p.ts) "
        "SELECT n.event_id, n.token, n.price_ts, max(p.event_id) AS price_event_id, "
        "arg_max(p.price_usd, p.event_id) AS price_usd "
        f"FROM newest n JOIN {candidates} p ON p.token = n.token AND p.ts = n.price_ts "
        "GROUP BY n.event_id, n.token, n.price_ts"
    )


def _c_order(expr: str, dialect: str) -> str:
    """Event ids compare byte by byte, as prices' own ids do (a stage's text has the database's collation)."""
    return f'{expr} COLLATE "C"' if dialect == "postgres" else expr


def stored_and_recomputed(dialect: str) -> tuple[str, str]:
    """Every outflow's stored price point, and the one its token's prices give it (for `rollups.differing`)."""
    columns = ", ".join(f"o.{c}" for c in ("event_id", "token", *COLUMNS))
    recomputed = ", ".join(f"f.{c}" for c in COLUMNS)
    return (
        f"SELECT {columns} FROM token_outflows o",
        f"SELECT o.event_id, o.token, {recomputed} FROM token_outflows o "
        f"LEFT JOIN ({points(dialect, 'true')}) f ON f.event_id = o.event_id AND f.token = o.token",
    )
