"""One small dataset, twice: as warehouse table rows (to seed PostgreSQL and DuckDB) and as the view
frames those rows must give, worked out by hand. Every expected number in the analytics tests comes
from here; the arithmetic is in the comments.

Story (bot b1 farms three protocols on base and polygon, bot b2 only holds a portfolio):
- aerodrome (base) runs airdrop aero-s1, token AERO; quickswap (polygon) runs qs-s1, token QS;
  uniswap (base) has no airdrop; morpho (base) is a lending market capital is parked in.
- ETH = $2,000, POL = $0.50. Fees: fee_native = gas_used * gas_price_wei / 1e18, fee_usd at the time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from airdrops.analytics.query import VIEWS
from airdrops.collectors.transform.metrics import labels_json, series_id

D = Decimal
AS_OF = datetime(2024, 3, 4, tzinfo=UTC)
#: 3.65 % a year: 1 USD-day of locked capital costs 0.0001 USD.
RATE = 0.0365


def ts(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


def day(d: int) -> date:
    return date(2024, 3, d)


# --- warehouse rows ------------------------------------------------------------------------------

CLAIM_COLUMNS = [
    *["event_id", "ts", "bot_id", "chain", "protocol", "airdrop", "wallet", "outcome", "reason", "amount", "token"],
    *["value_usd", "tx_hash", "gas_used", "gas_price_wei", "fee_native", "fee_usd"],
]
#: airdrop -> (chain, protocol)
AIRDROPS = {"aero-s1": ("base", "aerodrome"), "qs-s1": ("polygon", "quickswap")}
GWEI = 10**9


def _claim(eid: str, t: datetime, airdrop: str, wallet: str, reason: str, **paid: Any) -> tuple[Any, ...]:
    """A claim row; `paid` holds amount, token, value (on success) and gas, gwei, native, usd (when mined)."""
    chain, protocol = AIRDROPS[airdrop]
    outcome = "success" if reason == "none" else "failure"
    gas = paid.get("gas")
    price_wei = paid["gwei"] * GWEI if gas else None
    return (
        *(eid, t, "b1", chain, protocol, airdrop, wallet, outcome, reason),
        *(paid.get("amount"), paid.get("token"), paid.get("value"), f"0x{eid}" if gas else None),
        *(gas, price_wei, paid.get("native"), paid.get("usd")),
    )


#: A mined aero-s1 claim: 100000 gas at 10 gwei = 0.001 ETH = $2; a mined qs-s1 claim: 100000 gas at
#: 200 gwei = 0.02 POL = $0.01.
AERO_PAID = {"gas": 100_000, "gwei": 10, "native": D("0.001"), "usd": D(2)}
QS_PAID = {"gas": 100_000, "gwei": 200, "native": D("0.02"), "usd": D("0.01")}

CLAIMS = [
    # aero-s1: 4 attempts by w1, w2, w3; 2 succeed.
    _claim("c1", ts(1, 10), "aero-s1", "w1", "none", **AERO_PAID, amount=D(100), token="AERO", value=D(50)),
    _claim("c2", ts(1, 11), "aero-s1", "w2", "rpc_error"),  # never sent: no gas
    _claim("c3", ts(2, 9), "aero-s1", "w2", "none", **AERO_PAID, amount=D(60), token="AERO", value=D(36)),
    # w3 is not eligible: the claim reverts (50000 gas = 0.0005 ETH = $1).
    _claim("c4", ts(2, 10), "aero-s1", "w3", "not_eligible", gas=50_000, gwei=10, native=D("0.0005"), usd=D(1)),
    # qs-s1: 5 attempts, 1 success.
    _claim("c5", ts(2, 9), "qs-s1", "w1", "rpc_error"),
    _claim("c6", ts(2, 10), "qs-s1", "w1", "rpc_error"),
    _claim("c7", ts(3, 9), "qs-s1", "w1", "reverted", **QS_PAID),
    _claim("c8", ts(3, 10), "qs-s1", "w2", "insufficient_funds"),
    _claim("c9", ts(3, 11), "qs-s1", "w2", "none", **QS_PAID, amount=D(1000), token="QS", value=D(20)),
]

TRANSACTION_COLUMNS = [
    *["event_id", "ts", "bot_id", "chain", "protocol", "action", "wallet", "outcome", "tx_hash", "amount", "token"],
    *["error", "gas_used", "gas_price_wei", "fee_native", "fee_usd", "protocol_fee", "protocol_fee_token"],
    *["protocol_fee_usd", "amount_in", "token_in"],
]


def _tx(eid: str, t: datetime, protocol: str, action: str, wallet: str, outcome: str, gas: int, gwei: int,
        native: str, usd: str, fees: str | None = None, sold: tuple[str, str, str] | None = None
        ) -> tuple[Any, ...]:  # fmt: skip
    """A transaction row: 100 USDC moved, unless `sold` = (amount_in, token_in, USDC received)."""
    chain = "polygon" if protocol == "quickswap" else "base"
    error = None if outcome == "success" else "reverted"
    amount, token_in, amount_in = (D(sold[2]), sold[1], D(sold[0])) if sold else (D(100), None, None)
    fee_token = (token_in or "USDC") if fees else None
    fee = (amount_in or amount) * D("0.003") if fees else None
    return (
        *(eid, t, "b1", chain, protocol, action, wallet, outcome, f"0x{eid}", amount, "USDC", error),
        *(gas, gwei * GWEI, D(native), D(usd), fee, fee_token, D(fees) if fees else None, amount_in, token_in),
    )


TRANSACTIONS = [
    # the pool kept 0.3 % of the 100 USDC swapped: a protocol fee of $0.30 besides gas
    _tx("t1", ts(1, 8), "uniswap", "swap", "w1", "success", 150_000, 10, "0.0015", "3", "0.3"),
    _tx("t2", ts(2, 8), "uniswap", "swap", "w2", "success", 250_000, 10, "0.0025", "5"),
    _tx("t3", ts(1, 9), "aerodrome", "swap", "w1", "success", 200_000, 10, "0.002", "4"),
    _tx("t4", ts(2, 9), "aerodrome", "swap", "w2", "failure", 50_000, 10, "0.0005", "1"),
    _tx("t5", ts(1, 9), "quickswap", "swap", "w1", "success", 100_000, 400, "0.04", "0.02"),  # 0.04 POL
    _tx("t6", ts(1, 1), "morpho", "lend", "w1", "success", 50_000, 10, "0.0005", "1"),
    # w1 sells 40 of its claimed AERO on uniswap at noon on 2 March, when AERO's price was 0.5 (p3): 20 USD
    # realized; the pool keeps 0.3 % = 0.12 AERO = 0.06 USD; gas 100000 at 10 gwei = 0.001 ETH = $2
    _tx(
        "t7", ts(2, 12), "uniswap", "swap", "w1", "success", 100_000, 10, "0.001", "2", "0.06", ("40", "AERO", "19.94")
    ),
]

ALLOCATION_COLUMNS = ["event_id", "ts", "bot_id", "protocol", "action", "amount_usd", "target_usd", "chain", "wallet"]
ALLOCATIONS = [
    ("a0", ts(1), "b1", "morpho", "plan", D("1000"), D("1000"), "base", None),  # a plan moves nothing
    ("a1", ts(1), "b1", "morpho", "deposit", D("1000"), D("1000"), "base", None),
    ("a2", ts(3), "b1", "morpho", "withdraw", D("400"), D("600"), "base", None),
    ("a3", ts(2), "b1", "aerodrome", "deposit", D("500"), D("500"), "base", None),
]

PRICE_COLUMNS = ["event_id", "ts", "bot_id", "token", "price_usd", "source"]
PRICES = [
    ("p1", ts(1), "b1", "ETH", D("2000"), "oracle"),
    ("p2", ts(1), "b1", "POL", D("0.5"), "oracle"),
    ("p3", ts(1, 10), "b1", "AERO", D("0.5"), "pool"),
    ("p4", ts(3, 12), "b1", "AERO", D("0.4"), "pool"),  # latest AERO
    ("p5", ts(2, 9), "b1", "QS", D("0.02"), "pool"),
    ("p6", ts(3, 11), "b1", "QS", D("0.03"), "pool"),  # latest QS
]

BREACH_COLUMNS = [
    *["event_id", "ts", "bot_id", "rule", "value", "limit_value", "severity", "protocol", "wallet", "action_taken"],
]
BREACHES = [
    ("r0", datetime(2024, 2, 20, tzinfo=UTC), "b1", "max_gas_price", D(50), D(45), "warning", "uniswap", None, "skip"),
    ("r1", ts(3, 8), "b1", "max_gas_price", D("60"), D("45"), "warning", "uniswap", None, "skip"),
    ("r2", ts(3, 9), "b1", "max_gas_price", D("70"), D("45"), "warning", "uniswap", None, "skip"),
    ("r3", ts(3, 10), "b1", "max_drawdown", D("0.12"), D("0.1"), "critical", None, None, "kill_switch"),
]

SNAPSHOT_COLUMNS = [
    *["event_id", "ts", "bot_id", "snapshot_id", "wallet", "chain", "token", "protocol", "amount", "value_usd"],
]


def _snap(
    eid: str, t: datetime, bot: str, snapshot: str, token: str, amount: Decimal, value: Decimal
) -> tuple[Any, ...]:
    return (eid, t, bot, snapshot, "w1", "base", token, "wallet", amount, value)


SNAPSHOTS = [
    # b1 on 1 March: the 12:00 snapshot (1500) is superseded by the 23:00 one (1000 + 1000 = 2000).
    _snap("s1", ts(1, 12), "b1", "b1-1a", "USDC", D("1500"), D("1500")),
    _snap("s2", ts(1, 23), "b1", "b1-1b", "USDC", D("1000"), D("1000")),
    _snap("s3", ts(1, 23), "b1", "b1-1b", "ETH", D("0.5"), D("1000")),
    _snap("s4", ts(2, 23), "b1", "b1-2", "USDC", D("2100"), D("2100")),
    # b1 has no snapshot on 3 March
    _snap("s5", ts(4, 1), "b1", "b1-4", "USDC", D("2205"), D("2205")),
    _snap("s6", ts(1, 23), "b2", "b2-1", "USDC", D("500"), D("500")),
    # b2 has no snapshot on 2 March
    _snap("s7", ts(3, 23), "b2", "b2-3", "USDC", D("550"), D("550")),
    _snap("s8", ts(4, 1), "b2", "b2-4", "USDC", D("605"), D("605")),
]


# What Prometheus counted for b1 on 1 March (the ops recording rules, loaded by the ETL): samples at 00:00,
# 12:00 and 23:00, so the window is (00:00, 23:00]. In it the event log has 4 transactions (t1, t3, t5, t6) and
# 2 claims (c1 ok, c2 rpc_error): 6 transactions as the metric counts them (claims included), gas 150000 +
# 200000 + 100000 + 50000 + 100000 = 600000, gas in USD 3 + 4 + 0.02 + 1 + 2 = 10.02; Prometheus says 12.
def _at(hour: int) -> datetime:
    return ts(1, hour)


OPS = [
    # metric, labels, [(hour, value)]
    ("bot_id_outcome:airdrops_protocol_tx_total:sum", {"outcome": "success"}, [(0, 0), (12, 5), (23, 6)]),
    ("bot_id_outcome_reason:airdrops_claim_attempts_total:sum", {"outcome": "success", "reason": "none"},
     [(0, 0), (23, 1)]),
    ("bot_id_outcome_reason:airdrops_claim_attempts_total:sum", {"outcome": "failure", "reason": "rpc_error"},
     [(0, 0), (23, 1)]),
    ("bot_id:airdrops_protocol_gas_used_total:sum", {}, [(0, 0), (23, 600_000)]),
    ("bot_id:airdrops_protocol_gas_cost_usd_total:sum", {}, [(0, 0), (23, 12.0)]),
    # 100 RPC requests, 2 failed; 50 under 0.1 s, 96 under 0.5 s: p95 = 0.1 + 0.4 * (95 - 50) / (96 - 50)
    ("bot_id:airdrops_rpc_request_duration_seconds_count:sum", {}, [(0, 0), (23, 100)]),
    ("bot_id:airdrops_rpc_request_errors_total:sum", {}, [(0, 0), (23, 2)]),
    ("bot_id_le:airdrops_rpc_request_duration_seconds_bucket:sum", {"le": "0.1"}, [(0, 0), (23, 50)]),
    ("bot_id_le:airdrops_rpc_request_duration_seconds_bucket:sum", {"le": "0.5"}, [(0, 0), (23, 96)]),
    ("bot_id_le:airdrops_rpc_request_duration_seconds_bucket:sum", {"le": "+Inf"}, [(0, 0), (23, 100)]),
    ("bot_id_outcome:airdrops_scheduler_job_runs_total:sum", {"outcome": "success"}, [(0, 0), (23, 20)]),
    ("bot_id_outcome:airdrops_scheduler_job_runs_total:sum", {"outcome": "failure"}, [(0, 0), (23, 1)]),
    ("bot_id:airdrops_bot_up:max", {}, [(0, 1), (12, 1), (18, 0), (23, 1)]),
    # b1 started a minute before its first sample: Prometheus saw it from its start
    ("bot_id:airdrops_bot_start_time_seconds:max", {}, [(0, _at(0).timestamp() - 60), (23, _at(0).timestamp() - 60)]),
]  # fmt: skip
SERIES = [
    (series_id(m, {"bot_id": "b1", **labels}), m, labels_json({"bot_id": "b1", **labels})) for m, labels, _ in OPS
]
SAMPLES = [(sid, _at(h), float(v)) for (sid, _, _), (_, _, points) in zip(SERIES, OPS, strict=True) for h, v in points]

TABLES: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {
    "metric_series": (["series_id", "metric", "labels"], SERIES),
    "metric_samples": (["series_id", "ts", "value"], SAMPLES),
    "claims": (CLAIM_COLUMNS, CLAIMS),
    "transactions": (TRANSACTION_COLUMNS, TRANSACTIONS),
    "allocations": (ALLOCATION_COLUMNS, ALLOCATIONS),
    "prices": (PRICE_COLUMNS, PRICES),
    "risk_breaches": (BREACH_COLUMNS, BREACHES),
    "portfolio_snapshots": (SNAPSHOT_COLUMNS, SNAPSHOTS),
}

# --- the views these rows give, by hand ----------------------------------------------------------


def frame(view: str, rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=VIEWS[view], orient="row")


N, T, F = None, True, False
CLAIM_SUCCESS_RATE = frame(
    "claim_success_rate",
    [
        # day, bot, chain, protocol, airdrop, attempts, succeeded, failed, expected, counted, rate = succeeded / counted
        (day(1), "b1", "base", "aerodrome", "aero-s1", 2, 1, 1, 0, 2, 0.5),  # c1 ok, c2 rpc_error
        (day(2), "b1", "base", "aerodrome", "aero-s1", 2, 1, 1, 1, 1, 1.0),  # c3 ok, c4 not_eligible (expected)
        (day(2), "b1", "polygon", "quickswap", "qs-s1", 2, 0, 2, 0, 2, 0.0),  # c5, c6 rpc_error
        (day(3), "b1", "polygon", "quickswap", "qs-s1", 3, 1, 2, 0, 3, 1 / 3),  # c7 reverted, c8 funds, c9 ok
    ],
)
CLAIM_OUTCOMES = frame(
    "claim_outcomes",
    [
        # day, bot, chain, protocol, airdrop, wallet, outcome, reason, expected, ineligible, token, attempts,
        # amount, value_usd
        (day(1), "b1", "base", "aerodrome", "aero-s1", "w1", "success", "none", F, F, "AERO", 1, 100.0, 50.0),
        (day(1), "b1", "base", "aerodrome", "aero-s1", "w2", "failure", "rpc_error", F, F, N, 1, N, N),
        (day(2), "b1", "base", "aerodrome", "aero-s1", "w2", "success", "none", F, F, "AERO", 1, 60.0, 36.0),
        (day(2), "b1", "base", "aerodrome", "aero-s1", "w3", "failure", "not_eligible", T, T, N, 1, N, N),
        (day(2), "b1", "polygon", "quickswap", "qs-s1", "w1", "failure", "rpc_error", F, F, N, 2, N, N),
        (day(3), "b1", "polygon", "quickswap", "qs-s1", "w1", "failure", "reverted", F, F, N, 1, N, N),
        (day(3), "b1", "polygon", "quickswap", "qs-s1", "w2", "failure", "insufficient_funds", F, F, N, 1, N, N),
        (day(3), "b1", "polygon", "quickswap", "qs-s1", "w2", "success", "none", F, F, "QS", 1, 1000.0, 20.0),
    ],
)
LATEST_PRICES = frame(
    "latest_prices",
    [("AERO", ts(3, 12), 0.4), ("ETH", ts(1), 2000.0), ("POL", ts(1), 0.5), ("QS", ts(3, 11), 0.03)],
)
GAS_COSTS_DAILY = frame(
    "gas_costs_daily",
    [
        # day, bot, chain, protocol, airdrop, action, tx_count, gas_used, fee_native, fee_usd, fees_usd
        (day(1), "b1", "base", "aerodrome", N, "swap", 1, 200_000, 0.002, 4.0, N),
        (day(1), "b1", "base", "aerodrome", "aero-s1", "claim", 2, 100_000, 0.001, 2.0, N),  # c2 had no fee
        (day(1), "b1", "base", "morpho", N, "lend", 1, 50_000, 0.0005, 1.0, N),
        (day(1), "b1", "base", "uniswap", N, "swap", 1, 150_000, 0.0015, 3.0, 0.3),
        (day(1), "b1", "polygon", "quickswap", N, "swap", 1, 100_000, 0.04, 0.02, N),
        (day(2), "b1", "base", "aerodrome", N, "swap", 1, 50_000, 0.0005, 1.0, N),
        (day(2), "b1", "base", "aerodrome", "aero-s1", "claim", 2, 150_000, 0.0015, 3.0, N),  # 2 + 1
        (day(2), "b1", "base", "uniswap", N, "swap", 2, 350_000, 0.0035, 7.0, 0.06),  # t2 and the AERO sale t7
        (day(2), "b1", "polygon", "quickswap", "qs-s1", "claim", 2, N, N, N, N),  # two rpc errors: nothing paid
        (day(3), "b1", "polygon", "quickswap", "qs-s1", "claim", 3, 200_000, 0.04, 0.02, N),
    ],
)
CAPITAL_FLOWS = frame(
    "capital_flows",
    [
        (ts(1), "b1", "morpho", "base", "deposit", 1000.0),
        (ts(2), "b1", "aerodrome", "base", "deposit", 500.0),
        (ts(3), "b1", "morpho", "base", "withdraw", 400.0),
    ],
)
RISK_BREACH_EVENTS = frame(
    "risk_breach_events",
    [
        (datetime(2024, 2, 20, tzinfo=UTC), "b1", "max_gas_price", "warning", "uniswap", N, 50.0, 45.0, "skip"),
        (ts(3, 8), "b1", "max_gas_price", "warning", "uniswap", N, 60.0, 45.0, "skip"),
        (ts(3, 9), "b1", "max_gas_price", "warning", "uniswap", N, 70.0, 45.0, "skip"),
        (ts(3, 10), "b1", "max_drawdown", "critical", N, N, 0.12, 0.1, "kill_switch"),
    ],
)
PORTFOLIO_VALUE_DAILY = frame(
    "portfolio_value_daily",
    [
        (day(1), "b1", 2000.0),  # last snapshot of the day: 1000 + 1000
        (day(1), "b2", 500.0),
        (day(2), "b1", 2100.0),
        (day(3), "b2", 550.0),
        (day(4), "b1", 2205.0),
        (day(4), "b2", 605.0),
    ],
)
# The contract's ROI views (the warehouse's formulas; analytics reads only fees_usd from them).
# airdrop_returns: realized = claimed tokens sold, at the price of that moment; unrealized = held, at the
# latest price. AERO: 160 claimed (worth 86 at claim time); 40 sold on 2 March at 0.5 = 20; 120 held at the
# latest 0.4 = 48. QS: 1000 claimed (20 then), none sold, 1000 at the latest 0.03 = 30.
AIRDROP_RETURNS = frame(
    "airdrop_returns",
    [
        # airdrop, protocol, chain, token, claimed, value at claim, sold, realized, held, price now, unrealized
        ("aero-s1", "aerodrome", "base", "AERO", 160.0, 86.0, 40.0, 20.0, 120.0, 0.4, 48.0),
        ("qs-s1", "quickswap", "polygon", "QS", 1000.0, 20.0, 0.0, 0.0, 1000.0, 0.03, 30.0),
    ],
)
# roi_by_protocol per (protocol, chain): gas = fee_usd, fees = protocol_fee_usd of transactions + claims;
# net = realized + unrealized - gas - fees; tx_count counts transactions and claims; roi = net / (gas + fees),
# n/a (None) when gas + fees is under $1 or under 1 % of realized + unrealized.
ROI_BY_PROTOCOL = frame(
    "roi_by_protocol",
    [
        # protocol, chain, gas, fees, claimed value, tx, claims ok, realized, unrealized, net, roi
        ("aerodrome", "base", 10.0, 0.0, 86.0, 6, 2, 20.0, 48.0, 58.0, 5.8),  # gas 4+1 + 2+2+1; 68 - 10 = 58
        ("morpho", "base", 1.0, 0.0, 0.0, 1, 0, 0.0, 0.0, -1.0, -1.0),
        ("quickswap", "polygon", 0.04, 0.0, 20.0, 6, 1, 0.0, 30.0, 29.96, N),  # $0.04 of gas: 749x means nothing
        ("uniswap", "base", 10.0, 0.36, 0.0, 3, 0, 0.0, 0.0, -10.36, -1.0),  # the pools' fees are costs too
    ],
)

# roi_by_airdrop: claim gas + the protocol's farming gas (every chain) split between its airdrops.
ROI_BY_AIRDROP = frame(
    "roi_by_airdrop",
    [
        ("aero-s1", "aerodrome", "base", 10.0, 0.0, 86.0, 4, 2, 20.0, 48.0, 58.0, 5.8),  # (2 + 2 + 1) + (4 + 1)
        ("qs-s1", "quickswap", "polygon", 0.04, 0.0, 20.0, 5, 1, 0.0, 30.0, 29.96, N),  # 0.01 + 0.01 + 0.02: n/a
    ],
)

# costs_by_wallet: transactions and claims per wallet, chain and protocol (gas and fees of whatever was mined).
COSTS_BY_WALLET = frame(
    "costs_by_wallet",
    [
        # wallet, bot, chain, protocol, tx, gas used, native, gas USD, fees USD
        ("w1", "b1", "base", "aerodrome", 2, 300_000, 0.003, 6.0, 0.0),  # t3, c1
        ("w1", "b1", "base", "morpho", 1, 50_000, 0.0005, 1.0, 0.0),  # t6
        ("w1", "b1", "base", "uniswap", 2, 250_000, 0.0025, 5.0, 0.36),  # t1, t7 (the AERO sale)
        ("w1", "b1", "polygon", "quickswap", 4, 200_000, 0.06, 0.03, 0.0),  # t5, c5, c6 (rpc errors), c7
        ("w2", "b1", "base", "aerodrome", 3, 150_000, 0.0015, 3.0, 0.0),  # t4, c2 (rpc error), c3
        ("w2", "b1", "base", "uniswap", 1, 250_000, 0.0025, 5.0, 0.0),  # t2
        ("w2", "b1", "polygon", "quickswap", 2, 100_000, 0.02, 0.01, 0.0),  # c8 (no gas money), c9
        ("w3", "b1", "base", "aerodrome", 1, 50_000, 0.0005, 1.0, 0.0),  # c4 (not eligible)
    ],
)
OPS_DAILY = frame(
    "ops_daily",
    [(day(1), "b1", 100, 2, 0.02, 0.1 + 0.4 * 45 / 46, 6, 0, 600_000, 12.0, 0.0, 21, 1, 0.75)],
)
_START = _at(0) - timedelta(seconds=61)
PROMETHEUS_VS_EVENTS = frame(
    "prometheus_vs_events",
    [
        # day, bot, measure, window start, end, prometheus, events, difference, agrees; Prometheus saw b1 from its
        # start, a minute before its first sample: its first window opens then (less a second)
        (day(1), "b1", "claims", _START, _at(23), 2.0, 2.0, 0.0, True),
        (day(1), "b1", "claims_succeeded", _START, _at(23), 1.0, 1.0, 0.0, True),
        (day(1), "b1", "gas_usd", _START, _at(23), 12.0, 10.02, 12.0 - 10.02, False),
        (day(1), "b1", "gas_used", _START, _at(23), 600_000.0, 600_000.0, 0.0, True),
        (day(1), "b1", "transactions", _START, _at(23), 6.0, 6.0, 0.0, True),
    ],
)

VIEW_FRAMES: dict[str, pl.DataFrame] = {
    "claim_success_rate": CLAIM_SUCCESS_RATE,
    "claim_outcomes": CLAIM_OUTCOMES,
    "latest_prices": LATEST_PRICES,
    "gas_costs_daily": GAS_COSTS_DAILY,
    "capital_flows": CAPITAL_FLOWS,
    "risk_breach_events": RISK_BREACH_EVENTS,
    "portfolio_value_daily": PORTFOLIO_VALUE_DAILY,
    "roi_by_protocol": ROI_BY_PROTOCOL,
    "roi_by_airdrop": ROI_BY_AIRDROP,
    "airdrop_returns": AIRDROP_RETURNS,
    "costs_by_wallet": COSTS_BY_WALLET,
    "ops_daily": OPS_DAILY,
    "prometheus_vs_events": PROMETHEUS_VS_EVENTS,
}


def insert(conn: Any) -> None:
    """Every row of `TABLES` into the warehouse of an open connection (no rollups: callers refill or migrate)."""
    for table, (columns, rows) in TABLES.items():
        marks = ", ".join(["%s"] * len(columns))
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
