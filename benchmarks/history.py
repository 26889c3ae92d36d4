"""A farm's event history generated inside the warehouse, for benchmarks/views.py.

The fleet, the year and the claims are fixed; what grows with `events` is the farming: transactions,
price ticks and the holdings each portfolio snapshot lists. That is how a farm's logs grow when it runs
harder, and it keeps what the report shows (days x bots x wallets x airdrops) the same, so any growth
in a view's time is the cost of the rows behind it. The mix follows the reference bot's history mode
(about 72% portfolio holdings, 17% transactions, 10% prices, 1% claims; allocations and risk breaches
a few hundred).

Every value is arithmetic on the row number: the same rows on both dialects, no randomness. SQL is
written with `//` for integer division (DuckDB's spelling); PostgreSQL gets `/`.
"""

from __future__ import annotations

from dataclasses import dataclass

from airdrops.collectors.warehouse.connect import Connection

BOTS = 10
WALLETS = 1_000  # wallet w belongs to bot w % BOTS
AIRDROPS = 8  # airdrop p: protocol p on chain p % 4, token AIRp
DAYS = 365
SPAN = DAYS * 86_400
START = 1_735_689_600  # 2025-01-01T00:00:00Z
SNAPSHOT_EVERY = 900  # seconds; per bot
SNAPSHOTS = BOTS * SPAN // SNAPSHOT_EVERY
ATTEMPTS = (
    3  # per wallet and airdrop: an RPC error, then success and already_claimed (one wallet in four: not eligible)
)
FIXED = WALLETS * AIRDROPS * ATTEMPTS + 400 + 200  # claims, allocations, risk breaches
TOKENS = [*(f"AIR{p}" for p in range(AIRDROPS)), "ETH", "USDC"]


@dataclass(frozen=True)
class Mix:
    """How many rows each table gets for `events` events in all (the airdrop sales ride on the claims)."""

    events: int

    @property
    def grown(self) -> int:
        return self.events - FIXED - self.sales

    @property
    def sales(self) -> int:
        return WALLETS * AIRDROPS * 3 // 4  # one sale per successful claim

    @property
    def holdings(self) -> int:
        return self.grown * 72 // 99

    @property
    def transactions(self) -> int:
        return self.grown * 17 // 99

    @property
    def prices(self) -> int:
        return self.grown - self.holdings - self.transactions


def _ts(offset: str) -> str:
    return f"to_timestamp({START} + ({offset}))"


def _rows(n: int) -> str:
    return f"(SELECT CAST(g.i AS bigint) AS i FROM generate_series(0, {n - 1}) AS g(i)) s"


def statements(mix: Mix) -> dict[str, str]:
    """INSERT ... SELECT per table, in DuckDB's spelling."""
    money = "CAST({} AS numeric(38,18))"
    claim_ok = "(i % 3 = 1 AND (i // 3) % 4 <> 0)"
    wallet = "(i // 3) % 1000"
    airdrop = "(i // 3000)"
    return {
        "claims": f"""
INSERT INTO claims (event_id, ts, bot_id, chain, protocol, airdrop, wallet, outcome, reason, amount, token,
                    value_usd, tx_hash, gas_used, fee_native, fee_usd)
SELECT 'c' || i, {_ts(f"({wallet} * 7919 + {airdrop} * 86400 * 30) % {SPAN - 3600} + (i % 3) * 600")},
       'bot-' || ({wallet} % {BOTS}), 'chain-' || ({airdrop} % 4), 'protocol-' || {airdrop}, 'airdrop-' || {airdrop},
       'w' || {wallet},
       CASE WHEN {claim_ok} THEN 'success' ELSE 'failure' END,
       CASE WHEN i % 3 = 0 THEN 'rpc_error' WHEN (i // 3) % 4 = 0 THEN 'not_eligible' WHEN i % 3 = 1 THEN 'none'
            ELSE 'already_claimed' END,
       CASE WHEN {claim_ok} THEN {money.format("100 + i % 97")} END,
       CASE WHEN {claim_ok} THEN 'AIR' || {airdrop} END,
       CASE WHEN {claim_ok} THEN {money.format("(100 + i % 97) * 0.5")} END,
       CASE WHEN i % 3 <> 0 THEN '0x' || i END, CASE WHEN i % 3 <> 0 THEN 90000 + i % 5000 END,
       CASE WHEN i % 3 <> 0 THEN {money.format("0.0001")} END, CASE WHEN i % 3 <> 0 THEN {money.format("0.3")} END
FROM {_rows(WALLETS * AIRDROPS * ATTEMPTS)}""",
        # the sale of each successful claim's tokens, a day after it
        "sales": f"""
INSERT INTO transactions (event_id, ts, bot_id, chain, protocol, action, wallet, outcome, tx_hash, amount, token,
                          gas_used, fee_native, fee_usd, amount_in, token_in)
SELECT 's' || c.event_id, c.ts + INTERVAL '1 day', c.bot_id, c.chain, 'dex', 'swap', c.wallet, 'success',
       '0xs' || c.event_id, c.value_usd, 'USDC', 120000, {money.format("0.0002")}, {money.format("0.6")},
       {money.format("c.amount * 0.8")}, c.token
FROM claims c WHERE c.outcome = 'success'""",
        "transactions": f"""
INSERT INTO transactions (event_id, ts, bot_id, chain, protocol, action, wallet, outcome, tx_hash, amount, token,
                          gas_used, fee_native, fee_usd, amount_in, token_in, protocol_fee, protocol_fee_token,
                          protocol_fee_usd)
SELECT 't' || i, {_ts(f"(i * 7919) % {SPAN}")}, 'bot-' || (i % {BOTS}), 'chain-' || ((i // 1000) % 8 % 4),
       'protocol-' || ((i // 1000) % 8),
       CASE WHEN i % 10 < 6 THEN 'swap' WHEN i % 10 < 9 THEN 'bridge' ELSE 'lend' END,
       'w' || (i % 1000), CASE WHEN i % 40 = 0 THEN 'failure' ELSE 'success' END, '0xt' || i,
       {money.format("10 + i % 500")}, CASE WHEN i % 10 < 6 THEN 'ETH' ELSE 'USDC' END,
       60000 + i % 90000, {money.format("0.00005 + (i % 7) * 0.00001")}, {money.format("0.1 + (i % 13) * 0.05")},
       CASE WHEN i % 10 < 6 THEN {money.format("0.004 + (i % 11) * 0.001")} END,
       CASE WHEN i % 10 < 6 THEN 'USDC' END,
       CASE WHEN i % 10 BETWEEN 6 AND 8 THEN {money.format("0.05")} END,
       CASE WHEN i % 10 BETWEEN 6 AND 8 THEN 'USDC' END,
       CASE WHEN i % 10 BETWEEN 6 AND 8 THEN {money.format("0.05")} END
FROM {_rows(mix.transactions)}""",
        "prices": f"""
INSERT INTO prices (event_id, ts, bot_id, token, price_usd, source)
SELECT 'p' || i, {_ts(f"(i // {len(TOKENS)}) * {SPAN} // {max(1, mix.prices // len(TOKENS))}")}, 'bot-0',
       CASE i % {len(TOKENS)} {" ".join(f"WHEN {k} THEN '{t}'" for k, t in enumerate(TOKENS))} END,
       {money.format("0.2 + (i % 1000) * 0.001")}, 'bench'
FROM {_rows(mix.prices)}""",
        "portfolio_snapshots": f"""
INSERT INTO portfolio_snapshots (event_id, ts, bot_id, snapshot_id, wallet, chain, token, protocol, amount, value_usd)
SELECT 'h' || i, {_ts(f"(i % {SNAPSHOTS}) // {BOTS} * {SNAPSHOT_EVERY}")}, 'bot-' || (i % {BOTS}),
       's' || (i % {SNAPSHOTS}), 'w' || ((i // {SNAPSHOTS}) % 100 * {BOTS} + i % {BOTS}),
       'chain-' || ((i // {SNAPSHOTS}) % 4),
       CASE (i // {SNAPSHOTS} // 100) % 3 WHEN 0 THEN 'ETH' WHEN 1 THEN 'USDC' ELSE 'AIR' || (i % 8) END,
       NULL, {money.format("1 + i % 300")}, {money.format("(1 + i % 300) * 2")}
FROM {_rows(mix.holdings)}""",
        "allocations": f"""
INSERT INTO allocations (event_id, ts, bot_id, protocol, action, amount_usd, target_usd, chain, wallet)
SELECT 'a' || i, {_ts(f"(i * 7919) % {SPAN}")}, 'bot-' || (i % {BOTS}), 'protocol-' || (i % 8),
       CASE WHEN i % 4 = 3 THEN 'withdraw' ELSE 'deposit' END, {money.format("100 + i % 900")}, NULL,
       'chain-' || (i % 4), 'w' || (i % 1000)
FROM {_rows(400)}""",
        "risk_breaches": f"""
INSERT INTO risk_breaches (event_id, ts, bot_id, rule, value, limit_value, severity, protocol, wallet, action_taken)
SELECT 'r' || i, {_ts(f"(i * 7919) % {SPAN}")}, 'bot-' || (i % {BOTS}), 'max_gas_usd',
       {money.format("60 + i % 40")}, {money.format("50")}, CASE WHEN i % 5 = 0 THEN 'critical' ELSE 'warning' END,
       'protocol-' || (i % 8), NULL, 'paused'
FROM {_rows(200)}""",
    }


def generate(conn: Connection, mix: Mix) -> dict[str, int]:
    """Insert the history; rows per table."""
    counts: dict[str, int] = {}
    for name, sql in statements(mix).items():
        if conn.dialect == "postgres":
            sql = sql.replace("//", "/")
        with conn.transaction():
            conn.execute(sql)
        table = "transactions" if name == "sales" else name
        counts[table] = int(conn.execute(f"SELECT count(*) FROM {table}")[0][0])
    return counts
