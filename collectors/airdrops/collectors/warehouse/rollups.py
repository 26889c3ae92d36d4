"""Rollups: small tables the report's views read instead of the raw event tables.

Each rollup is one GROUP BY over one event table (`Rollup.source`), defined once here: the ETL adds
the events it loads to it in the same transaction (`add_fresh`), and `rebuild` recomputes it from
every stored row (after the migration that creates it, or after rows were written by hand). Both run
the same `select`, so a rollup always equals its recompute, which `tests/collectors/test_rollups.py`
checks after loads of every kind. The outflows of `token_outflows` also carry their price
(`outflow_prices`), set by the same loads.

Sums keep SQL's NULL rule (NULL only when every term is NULL) when merged. A key column that may be
NULL in the event table is stored as '' (a primary key column cannot be NULL); the views turn ''
back into NULL, so an empty token counts as no token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from airdrops.collectors.warehouse import outflow_prices
from airdrops.collectors.warehouse.connect import Connection

Aggregate = Literal["sum", "count", "max"]
DAY = "CAST(ts AT TIME ZONE 'UTC' AS date)"
#: The first migration that creates the rollups (the migrator rebuilds them when it applies it).
SINCE_VERSION = 14
#: The load's session lock: a rollup adds each event once only when no other load runs between the
#: check of which events are new and their insert.
LOAD_LOCK = "airdrops.events.load"


@dataclass(frozen=True)
class Rollup:
    """`table` = SELECT keys, aggregates FROM `source` [WHERE `where`] GROUP BY keys.

    `newest`: instead of aggregates, keep the row of each key that is greatest by these columns
    (`measures` are then plain column expressions, Aggregate "max" unused).
    """

    table: str
    source: str
    keys: dict[str, str]
    measures: dict[str, tuple[Aggregate, str]]
    where: str = ""
    newest: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return [*self.keys, *self.measures]

    def select(self, relation: str) -> str:
        """The rollup's rows over `relation` (the event table, or the fresh rows of a load)."""
        where = f" WHERE {self.where}" if self.where else ""
        keys = ", ".join(f"{expr} AS {name}" for name, expr in self.keys.items())
        if self.newest:
            values = ", ".join(f"{expr} AS {name}" for name, (_, expr) in self.measures.items())
            order = ", ".join([*self.keys.values(), *(f"{c} DESC" for c in self.newest)])
            on = ", ".join(self.keys.values())
            return f"SELECT DISTINCT ON ({on}) {keys}, {values} FROM {relation}{where} ORDER BY {order}"
        aggregates = ", ".join(
            f"{'count(*)' if agg == 'count' else f'{agg}({expr})'} AS {name}"
            for name, (agg, expr) in self.measures.items()
        )
        groups = ", ".join(str(i) for i in range(1, len(self.keys) + 1))
        return f"SELECT {keys}, {aggregates} FROM {relation}{where} GROUP BY {groups}"

    def merge(self) -> str:
        """ON CONFLICT clause adding a new group's aggregates to the stored ones."""
        keys = ", ".join(self.keys)
        if self.newest:
            sets = ", ".join(f"{c} = excluded.{c}" for c in self.measures)
            later = _later(self.table, self.newest)
            return f"ON CONFLICT ({keys}) DO UPDATE SET {sets} WHERE {later}"
        sets = ", ".join(f"{c} = {_merged(self.table, c, agg)}" for c, (agg, _) in self.measures.items())
        return f"ON CONFLICT ({keys}) DO UPDATE SET {sets}"


def _merged(table: str, column: str, agg: Aggregate) -> str:
    old, new = f"{table}.{column}", f"excluded.{column}"
    if agg == "max":
        return f"greatest({old}, {new})"
    if agg == "count":
        return f"{old} + {new}"
    return f"CASE WHEN {old} IS NULL THEN {new} WHEN {new} IS NULL THEN {old} ELSE {old} + {new} END"


def _later(table: str, columns: tuple[str, ...]) -> str:
    """excluded's (c1, c2, ...) > the stored row's, spelled out (row comparison differs between the dialects)."""
    first, rest = columns[0], columns[1:]
    greater = f"excluded.{first} > {table}.{first}"
    if not rest:
        return greater
    return f"({greater} OR (excluded.{first} = {table}.{first} AND {_later(table, rest)}))"


def _sum(expr: str) -> tuple[Aggregate, str]:
    return ("sum", expr)


_COSTS: dict[str, tuple[Aggregate, str]] = {
    "gas_used": _sum("gas_used"),
    "fee_native": _sum("fee_native"),
    "fee_usd": _sum("fee_usd"),
    "protocol_fee_usd": _sum("protocol_fee_usd"),
}
_CLAIM_KEYS = {
    "day": DAY, "bot_id": "bot_id", "chain": "chain", "protocol": "protocol", "airdrop": "airdrop",
    "wallet": "wallet", "outcome": "outcome", "reason": "coalesce(reason, '')", "token": "coalesce(token, '')",
}  # fmt: skip
_SWAP = "action = 'swap' AND amount_in > 0 AND token_in IS NOT NULL"
_BRIDGE = "action = 'bridge' AND amount > 0 AND token IS NOT NULL"
_OUTFLOW_TOKEN = f"CASE WHEN {_SWAP} THEN token_in ELSE token END"
#: The tokens successful claims brought in (claims_daily is filled before token_outflows, in ROLLUPS' order).
CLAIMED = "SELECT token FROM claims_daily WHERE outcome = 'success' AND token <> ''"

ROLLUPS: tuple[Rollup, ...] = (
    # claims per day and everything the claim views group by; the reason is mapped to the taxonomy by
    # the views (a site's choice of expected outcomes may change after the fact)
    Rollup(
        "claims_daily",
        "claims",
        keys=_CLAIM_KEYS,
        measures={
            "attempts": ("count", "*"),
            "amount": _sum("amount"),
            "value_usd": _sum("value_usd"),
            # what airdrop_returns counts as claimed: positive amounts only
            "claimed_amount": _sum("CASE WHEN amount > 0 THEN amount END"),
            "claimed_value_usd": _sum("CASE WHEN amount > 0 THEN coalesce(value_usd, 0) END"),
            **_COSTS,
        },
    ),
    Rollup(
        "transactions_daily",
        "transactions",
        keys={"day": DAY, "bot_id": "bot_id", "chain": "chain", "protocol": "protocol", "action": "action"},
        measures={"tx_count": ("count", "*"), **_COSTS},
    ),
    Rollup(
        "transaction_costs_by_wallet",
        "transactions",
        keys={"wallet": "wallet", "bot_id": "bot_id", "chain": "chain", "protocol": "protocol"},
        measures={"tx_count": ("count", "*"), **_COSTS},
    ),
    # claimed tokens that left the farm (sold on a swap, bridged out with the bridge's fee in that token): what
    # airdrop_returns prices at the moment of each. Only tokens a claim brought in (CLAIMED): the farming's own
    # swaps and bridges are most of the transactions and no airdrop's return.
    Rollup(
        "token_outflows",
        "transactions",
        keys={"event_id": "event_id", "ts": "ts", "token": _OUTFLOW_TOKEN},
        measures={
            "amount": _sum(
                f"CASE WHEN {_SWAP} THEN amount_in "
                "ELSE amount + CASE WHEN protocol_fee_token = token THEN coalesce(protocol_fee, 0) ELSE 0 END END"
            )
        },
        where=f"outcome = 'success' AND (({_SWAP}) OR ({_BRIDGE})) AND {_OUTFLOW_TOKEN} IN ({CLAIMED})",
    ),
    Rollup(
        "portfolio_snapshot_totals",
        "portfolio_snapshots",
        keys={"bot_id": "bot_id", "snapshot_id": "snapshot_id"},
        measures={"ts": ("max", "ts"), "value_usd": _sum("value_usd"), "holdings": ("count", "*")},
    ),
    Rollup(
        "prices_latest",
        "prices",
        keys={"token": "token"},
        measures={"ts": ("max", "ts"), "event_id": ("max", "event_id"), "price_usd": ("max", "price_usd")},
        newest=("ts", "event_id"),
    ),
)
OUTFLOWS = next(r for r in ROLLUPS if r.table == "token_outflows")
BY_SOURCE: dict[str, tuple[Rollup, ...]] = {
    source: tuple(r for r in ROLLUPS if r.source == source) for source in {r.source for r in ROLLUPS}
}


def add_fresh(conn: Connection, source: str, stage: str) -> None:
    """Add the rows of `stage` (a staged frame of `source`, inserted into `source` already) whose `_fresh` is
    true to `source`'s rollups, and price the outflows they bring or may price (`outflow_prices`).

    A claim that brings a token in for the first time also brings that token's stored outflows into
    token_outflows (sold or bridged before its claim was loaded: logs of several bots arrive in any order).
    """
    newly_claimed = _newly_claimed(conn, stage) if source == "claims" else []
    for rollup in BY_SOURCE.get(source, ()):
        relation = f"(SELECT * FROM {stage} WHERE _fresh) fresh"
        conn.execute(
            f"INSERT INTO {rollup.table} ({', '.join(rollup.columns)}) {rollup.select(relation)} {rollup.merge()}"
        )
    if newly_claimed:
        marks = ", ".join(["%s"] * len(newly_claimed))
        relation = f"(SELECT * FROM transactions WHERE token_in IN ({marks}) OR token IN ({marks})) earlier"
        conn.execute(
            f"INSERT INTO {OUTFLOWS.table} ({', '.join(OUTFLOWS.columns)}) {OUTFLOWS.select(relation)} "
            "ON CONFLICT DO NOTHING",
            (*newly_claimed, *newly_claimed),
        )
        outflow_prices.price(conn, f"o.token IN ({marks})", tuple(newly_claimed))
    if source == "transactions":
        outflow_prices.after_outflows(conn, stage)
    elif source == "prices":
        outflow_prices.after_prices(conn, stage)


def _newly_claimed(conn: Connection, stage: str) -> list[str]:
    rows = conn.execute(
        f"SELECT DISTINCT token FROM {stage} WHERE _fresh AND outcome = 'success' AND token IS NOT NULL "
        f"AND token <> '' AND token NOT IN ({CLAIMED}) ORDER BY token"
    )
    return [str(r[0]) for r in rows]


def rebuild(conn: Connection) -> None:
    """Recompute every rollup, and the outflows' prices, from the stored rows, in one transaction."""
    with conn.transaction():
        refill(conn)


def refill(conn: Connection) -> None:
    """Recompute every rollup, and the outflows' prices, from the stored rows, in the caller's transaction."""
    refill_groups(conn)
    outflow_prices.price_all(conn)


def refill_groups(conn: Connection) -> None:
    """Recompute every rollup's rows, the outflows unpriced (the migration creating the rollups predates prices)."""
    for rollup in ROLLUPS:
        conn.execute(f"DELETE FROM {rollup.table}")
        conn.execute(f"INSERT INTO {rollup.table} ({', '.join(rollup.columns)}) {rollup.select(rollup.source)}")


def differing(conn: Connection) -> list[str]:
    """The rollups whose rows (or outflows' prices) differ from their recompute (rows written around the ETL):
    `rebuild` mends them."""
    out = []
    for rollup in ROLLUPS:
        columns = ", ".join(rollup.columns)
        stored = f"SELECT {columns} FROM {rollup.table}"
        recomputed = f"SELECT {columns} FROM ({rollup.select(rollup.source)}) r"
        if _differ(conn, stored, recomputed) or (
            rollup is OUTFLOWS and _differ(conn, *outflow_prices.stored_and_recomputed(conn.dialect))
        ):
            out.append(rollup.table)
    return out


def _differ(conn: Connection, stored: str, recomputed: str) -> bool:
    count = conn.execute(
        f"SELECT count(*) FROM (({stored} EXCEPT ALL {recomputed}) UNION ALL ({recomputed} EXCEPT ALL {stored})) d"
    )[0][0]
    return bool(count)
