"""The SQL of every analytics panel, kept apart from the layout; it reads the warehouse's views only.

Grafana's PostgreSQL datasource expands the macros: `$__timeFilter(day)` to `day BETWEEN '<from>' AND
'<to>'`, `$__timeGroupAlias(day, '1d')` to the day's epoch `AS "time"`, and each multi-value variable
(`$protocol`) to a quoted list, hence `protocol IN ($protocol)`. Rates are ratios of sums; the claim
success rate is successes over *counted* attempts (the view's `counted`: expected outcomes left out),
and ROI goes through the warehouse's `roi_ratio` (n/a over a near-zero cost): both as defined in
`airdrops.monitoring.vocabulary`.

    >>> where("protocol", time=None)
    'WHERE protocol IN ($protocol)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Grafana's bucket for day-grained views.
DAY = "$__timeGroupAlias(day, '1d')"
RATE = "CAST(sum(succeeded) AS double precision) / nullif(sum(counted), 0)"


@dataclass(frozen=True)
class Sql:
    """One panel target: the query and Grafana's result format."""

    sql: str
    format: Literal["table", "time_series"] = "table"


def where(*variables: str, time: str | None = "day", extra: str | None = None) -> str:
    """`WHERE` with the time range on `time` (None: no time column) and `col IN ($col)` per variable."""
    parts = [f"$__timeFilter({time})"] if time else []
    parts += [f"{v} IN (${v})" for v in variables]
    if extra:
        parts.append(extra)
    return "WHERE " + " AND ".join(parts) if parts else ""


def series(sql: str) -> Sql:
    return Sql(sql, "time_series")


# --- Claim Success Rate (claim_success_rate, claim_outcomes) ----------------------------------------

CLAIM_FILTERS = ("bot_id", "chain", "protocol", "airdrop")
_CLAIMS = f"FROM claim_success_rate {where(*CLAIM_FILTERS)}"
_FAILED = "FROM claim_outcomes " + where(*CLAIM_FILTERS, extra="outcome <> 'success'")

SUCCESS_RATIO = Sql(f'SELECT {RATE} AS "success rate" {_CLAIMS}')
ATTEMPTS = Sql(f'SELECT sum(attempts) AS "attempts" {_CLAIMS}')
FAILED = Sql(f'SELECT sum(failed) - sum(expected_failures) AS "failed (faults)" {_CLAIMS}')
EXPECTED = Sql(f'SELECT sum(expected_failures) AS "expected outcomes" {_CLAIMS}')
AIRDROPS_CLAIMED = Sql(f'SELECT count(DISTINCT airdrop) AS "airdrops" {_CLAIMS}')
RATE_BY_PROTOCOL = series(f"SELECT {DAY}, protocol AS metric, {RATE} AS value {_CLAIMS} GROUP BY 1, 2 ORDER BY 1, 2")
ATTEMPTS_BY_OUTCOME = series(
    f'SELECT {DAY}, sum(succeeded) AS "succeeded", sum(failed) - sum(expected_failures) AS "failed", '
    f'sum(expected_failures) AS "expected outcome" {_CLAIMS} GROUP BY 1 ORDER BY 1'
)
FAILURES_BY_REASON = series(
    f"SELECT {DAY}, reason AS metric, sum(attempts) AS value {_FAILED} GROUP BY 1, 2 ORDER BY 1, 2"
)
RATE_BY_CHAIN = Sql(f'SELECT chain, {RATE} AS "success rate" {_CLAIMS} GROUP BY chain ORDER BY chain')
BY_AIRDROP = Sql(
    "SELECT airdrop, protocol, chain, sum(attempts) AS attempts, sum(succeeded) AS succeeded, sum(failed) AS failed, "
    "sum(expected_failures) AS expected, sum(counted) AS counted, "
    f"{RATE} AS success_rate {_CLAIMS} GROUP BY airdrop, protocol, chain ORDER BY success_rate, airdrop"
)
REASONS_BY_AIRDROP = Sql(
    "SELECT airdrop, reason, expected, sum(attempts) AS failures, count(DISTINCT wallet) AS wallets "
    f"{_FAILED} GROUP BY airdrop, reason, expected ORDER BY failures DESC, airdrop, reason"
)

# --- ROI per Protocol / Airdrop (roi_by_protocol, roi_by_airdrop: totals, no time column) ------------

ROI_FILTERS = ("chain", "protocol")
_PROTOCOLS = f"FROM roi_by_protocol {where(*ROI_FILTERS, time=None)}"
_AIRDROPS = f"FROM roi_by_airdrop {where(*ROI_FILTERS, time=None)}"

GAS_TOTAL = Sql(f'SELECT sum(gas_usd) + sum(fees_usd) AS "gas and fees" {_PROTOCOLS}')
CLAIMED_TOTAL = Sql(f'SELECT sum(claimed_value_usd) AS "claimed" {_PROTOCOLS}')
REALIZED_TOTAL = Sql(f'SELECT sum(realized_usd) AS "realized" {_PROTOCOLS}')
UNREALIZED_TOTAL = Sql(f'SELECT sum(unrealized_usd) AS "unrealized" {_PROTOCOLS}')
NET_TOTAL = Sql(f'SELECT sum(net_usd) AS "net" {_PROTOCOLS}')
ROI_TOTAL = Sql(
    "SELECT roi_ratio(sum(net_usd), sum(gas_usd) + sum(fees_usd), sum(realized_usd) + sum(unrealized_usd)) "
    f'AS "ROI" {_PROTOCOLS}'
)
NET_BY_PROTOCOL = Sql(f'SELECT protocol, sum(net_usd) AS "net" {_PROTOCOLS} GROUP BY protocol ORDER BY 2')
PROTOCOL_TABLE = Sql(
    "SELECT protocol, chain, tx_count, claims_succeeded, gas_usd, fees_usd, claimed_value_usd, realized_usd, "
    "unrealized_usd, net_usd, roi "
    f"{_PROTOCOLS} ORDER BY net_usd"
)
NET_BY_AIRDROP = Sql(f'SELECT airdrop, sum(net_usd) AS "net" {_AIRDROPS} GROUP BY airdrop ORDER BY 2')
AIRDROP_TABLE = Sql(
    "SELECT airdrop, protocol, chain, claims_attempted, claims_succeeded, gas_usd, fees_usd, claimed_value_usd, "
    f"realized_usd, unrealized_usd, net_usd, roi {_AIRDROPS} ORDER BY net_usd"
)
GAS_PER_DAY = series(
    f"SELECT {DAY}, protocol AS metric, sum(fee_usd) AS value FROM gas_costs_daily {where(*ROI_FILTERS)} "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
FEES_PER_DAY = series(
    f"SELECT {DAY}, protocol AS metric, sum(fees_usd) AS value FROM gas_costs_daily {where(*ROI_FILTERS)} "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
WALLET_COSTS = Sql(
    "SELECT wallet, chain, protocol, tx_count, gas_usd, fees_usd, gas_usd + fees_usd AS total_usd "
    f"FROM costs_by_wallet {where(*ROI_FILTERS, time=None)} ORDER BY total_usd DESC, wallet LIMIT 100"
)
CLAIMED_PER_DAY = series(
    f"SELECT {DAY}, airdrop AS metric, sum(value_usd) AS value FROM claim_outcomes "
    + where(*ROI_FILTERS, extra="outcome = 'success'")
    + " GROUP BY 1, 2 ORDER BY 1, 2"
)

# --- Portfolio Value Over Time (portfolio_value_daily) -----------------------------------------------

_DAILY = (
    f"WITH daily AS (SELECT day, sum(value_usd) AS value FROM portfolio_value_daily {where('bot_id')} GROUP BY day)"
)
VALUE = series(
    f'SELECT {DAY}, sum(value_usd) AS "portfolio" FROM portfolio_value_daily {where("bot_id")} GROUP BY 1 ORDER BY 1'
)
VALUE_BY_BOT = series(
    f"SELECT {DAY}, bot_id AS metric, sum(value_usd) AS value FROM portfolio_value_daily {where('bot_id')} "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
LATEST_VALUE = Sql(f'{_DAILY} SELECT value AS "portfolio" FROM daily ORDER BY day DESC LIMIT 1')
RETURN_IN_RANGE = Sql(
    f"{_DAILY} SELECT CAST((SELECT value FROM daily ORDER BY day DESC LIMIT 1) "
    '/ nullif((SELECT value FROM daily ORDER BY day LIMIT 1), 0) - 1 AS double precision) AS "return"'
)
CUMULATIVE_RETURN = series(
    f"{_DAILY} SELECT {DAY}, CAST(value / nullif(first_value(value) OVER (ORDER BY day), 0) - 1 AS double precision)"
    ' AS "cumulative return" FROM daily ORDER BY 1'
)
DRAWDOWN = series(
    f"{_DAILY} SELECT {DAY}, CAST(value / nullif(max(value) OVER (ORDER BY day), 0) - 1 AS double precision)"
    ' AS "drawdown" FROM daily ORDER BY 1'
)
MAX_DRAWDOWN = Sql(
    f"{_DAILY}, dd AS (SELECT value / nullif(max(value) OVER (ORDER BY day), 0) - 1 AS drawdown FROM daily) "
    'SELECT CAST(min(drawdown) AS double precision) AS "max drawdown" FROM dd'
)

# --- Operations History (ops_daily, prometheus_vs_events: what Prometheus counted, kept by the ETL) ----------

_OPS = f"FROM ops_daily {where('bot_id')}"
UPTIME = series(f"SELECT {DAY}, bot_id AS metric, avg(uptime_share) AS value {_OPS} GROUP BY 1, 2 ORDER BY 1, 2")
RPC_PER_DAY = series(
    f'SELECT {DAY}, sum(rpc_requests) AS "requests", sum(rpc_errors) AS "errors" {_OPS} GROUP BY 1 ORDER BY 1'
)
RPC_P95 = series(f"SELECT {DAY}, bot_id AS metric, max(rpc_p95_seconds) AS value {_OPS} GROUP BY 1, 2 ORDER BY 1, 2")
TX_PER_DAY = series(
    f'SELECT {DAY}, sum(tx_count) - sum(tx_failed) AS "succeeded", '
    f'sum(tx_failed) AS "failed" {_OPS} GROUP BY 1 ORDER BY 1'
)
COSTS_PER_DAY = series(f'SELECT {DAY}, sum(gas_usd) AS "gas", sum(fees_usd) AS "fees" {_OPS} GROUP BY 1 ORDER BY 1')
JOB_FAILURES_PER_DAY = series(
    f"SELECT {DAY}, bot_id AS metric, sum(job_failures) AS value {_OPS} GROUP BY 1, 2 ORDER BY 1, 2"
)
_SOURCES = f"FROM prometheus_vs_events {where('bot_id')}"
DISAGREEMENTS = Sql(f'SELECT count(*) FILTER (WHERE NOT agrees) AS "disagreements" {_SOURCES}')
RECONCILIATION = Sql(
    f"SELECT day, bot_id, measure, prometheus, events, difference, agrees {_SOURCES} "
    "ORDER BY agrees, day DESC, bot_id, measure"
)

# --- Template variables --------------------------------------------------------------------------------

BOT_ID_VALUES = "SELECT bot_id FROM claim_success_rate UNION SELECT bot_id FROM portfolio_value_daily ORDER BY 1"
CHAIN_VALUES = "SELECT chain FROM claim_success_rate UNION SELECT chain FROM roi_by_protocol ORDER BY 1"
PROTOCOL_VALUES = "SELECT protocol FROM claim_success_rate UNION SELECT protocol FROM roi_by_protocol ORDER BY 1"
AIRDROP_VALUES = "SELECT DISTINCT airdrop FROM claim_success_rate ORDER BY 1"
