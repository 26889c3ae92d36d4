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


def price(conn: Connection, affected: str, params: tuple[object, ...] = ()) -> int:
    """(Re)price the outflows that `affected` (a condition on token_outflows' columns) selects; how many."""
    found = points(conn.dialect, affected)
    sets = ", ".join(f"{c} = found.{c}" for c in COLUMNS)
    return conn.execute_rowcount(
        f"UPDATE token_outflows SET {sets} FROM ({found}) found WHERE token_outflows.event_id = found.event_id",
        params,
    )


def price_all(conn: Connection) -> int:
    """Price every stored outflow (the migration that adds the columns, `rollups.rebuild`)."""
    return price(conn, "true")


def after_prices(conn: Connection, stage: str) -> int:
    """Reprice the outflows that the fresh prices of `stage` (already inserted into prices) may price."""
    return price(
        conn,
        f"EXISTS (SELECT 1 FROM {stage} f WHERE f._fresh AND f.token = token_outflows.token "
        "AND f.ts <= token_outflows.ts)",
    )


def points(dialect: str, affected: str) -> str:
    """event_id and price point of each outflow `affected` selects that has a price at or before it."""
    if dialect == "postgres":
        # one index lookup (prices (token, ts)) per outflow
        return (
            "SELECT o.event_id, p.ts AS price_ts, p.event_id AS price_event_id, p.price_usd "
            f"FROM token_outflows o CROSS JOIN LATERAL (SELECT ts, event_id, price_usd FROM prices "
            "WHERE prices.token = o.token AND prices.ts <= o.ts ORDER BY ts DESC, event_id DESC LIMIT 1) p "
            f"WHERE {_on(affected, 'o')}"
        )
    # DuckDB: an ASOF join finds each outflow's newest price ts, then the greatest event_id of that ts
    return (
        "WITH o AS (SELECT event_id, token, ts FROM token_outflows WHERE " + affected + "), "
        "newest AS (SELECT o.event_id, o.token, p.ts AS price_ts FROM o "
        "ASOF JOIN (SELECT token, ts FROM prices WHERE token IN (SELECT token FROM o) "
        "AND ts <= (SELECT max(ts) FROM o)) p ON p.token = o.token AND o.ts >= p.ts) "
        "SELECT n.event_id, n.price_ts, max(p.event_id) AS price_event_id, "
        "arg_max(p.price_usd, p.event_id) AS price_usd "
        "FROM newest n JOIN prices p ON p.token = n.token AND p.ts = n.price_ts GROUP BY n.event_id, n.price_ts"
    )


def _on(condition: str, alias: str) -> str:
    return condition.replace("token_outflows.", f"{alias}.")


def differs(conn: Connection) -> bool:
    """True when a stored outflow's price point is not the one its token's prices give it."""
    columns = ", ".join(["event_id", *COLUMNS])
    stored = f"SELECT {columns} FROM token_outflows"
    recomputed = (
        f"SELECT o.event_id, {', '.join(f'f.{c}' for c in COLUMNS)} FROM token_outflows o "
        f"LEFT JOIN ({points(conn.dialect, 'true')}) f ON f.event_id = o.event_id"
    )
    count = conn.execute(
        f"SELECT count(*) FROM (({stored} EXCEPT ALL {recomputed}) UNION ALL ({recomputed} EXCEPT ALL {stored})) d"
    )[0][0]
    return bool(count)
