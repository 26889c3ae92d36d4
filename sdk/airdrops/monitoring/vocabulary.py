"""The shared vocabulary: the names and sets every layer uses, owned here once.

- The claim taxonomy: every reason a claim ends with, and which failures are expected outcomes
  (the wallet was not eligible, had claimed already, or the kill switch refused on purpose) rather
  than faults. The catalogue's `reason` attribute, the event schema, the rules, the dashboards,
  the warehouse (table `claim_reasons`, synced from here) and the analytics read it from here.
- The definition of every ratio shown in more than one place (`RATIOS`), rendered into
  docs/analytics.md.
- The scrape job names and default ports of the stack.

    >>> claim_reason("failure", "gas_spike")   # unknown reasons are `other`, in metrics and views alike
    'other'
    >>> claim_reason("success", None)
    'none'
    >>> [r.name for r in CLAIM_REASONS if r.expected]
    ['not_eligible', 'already_claimed', 'kill_switch']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# --- claims -------------------------------------------------------------------------------------

SUCCESS = "success"
FAILURE = "failure"
OUTCOMES = (SUCCESS, FAILURE)
#: Protocol actions the metrics count by name; events keep any other as written (metrics: `other`).
ACTIONS = ("bridge", "swap", "lend", "withdraw", "claim", "approve")


@dataclass(frozen=True)
class ClaimReason:
    """One reason a claim attempt ends with."""

    name: str
    description: str
    #: An outcome, not a fault: counted neither as a failure nor as an attempt in claim success.
    expected: bool = False
    #: The wallet is not entitled to the airdrop (it counts against the airdrop's eligible wallets).
    ineligible: bool = False
    #: What an operator should do when this reason dominates an airdrop's failures.
    hint: str = ""


NONE = "none"
NOT_ELIGIBLE = "not_eligible"
ALREADY_CLAIMED = "already_claimed"
KILL_SWITCH = "kill_switch"
REVERTED = "reverted"
RPC_ERROR = "rpc_error"
INSUFFICIENT_FUNDS = "insufficient_funds"
OTHER = "other"

CLAIM_REASONS: tuple[ClaimReason, ...] = (
    ClaimReason(NONE, "The claim succeeded (the reason of every successful attempt)."),
    ClaimReason(
        NOT_ELIGIBLE,
        "The distributor has no allocation for the wallet.",
        expected=True,
        ineligible=True,
        hint="check eligibility before claiming and stop retrying ineligible wallets",
    ),
    ClaimReason(
        ALREADY_CLAIMED,
        "The wallet claimed before (often a retry after an RPC error hid a claim that went through).",
        expected=True,
        hint="read the claimed status on chain before sending a claim",
    ),
    ClaimReason(
        KILL_SWITCH,
        "The risk kill switch refused the claim on purpose.",
        expected=True,
        hint="the kill switch is tripped: see the risk dashboard before re-arming it",
    ),
    ClaimReason(
        REVERTED, "The transaction reverted for another reason.", hint="simulate the claim (eth_call) before sending it"
    ),
    ClaimReason(
        RPC_ERROR, "The RPC provider failed or timed out.", hint="add a fallback RPC provider and retry with backoff"
    ),
    ClaimReason(
        INSUFFICIENT_FUNDS,
        "The wallet could not pay for gas.",
        hint="top up the wallets' native coin for gas before claiming",
    ),
    ClaimReason(OTHER, "Any reason not listed here (the bot's own text stays in the event log)."),
)
_BY_NAME = {r.name: r for r in CLAIM_REASONS}
#: Every reason, in the catalogue's order: the closed set of the `reason` attribute.
CLAIM_REASON_NAMES: tuple[str, ...] = tuple(_BY_NAME)
#: Failure reasons that are outcomes, not faults.
EXPECTED_CLAIM_REASONS: tuple[str, ...] = tuple(r.name for r in CLAIM_REASONS if r.expected)
#: Failure reasons that mean the wallet is not entitled to the airdrop.
INELIGIBLE_CLAIM_REASONS: tuple[str, ...] = tuple(r.name for r in CLAIM_REASONS if r.ineligible)


#: Site setting naming the failure reasons that are expected outcomes (comma-separated), for every
#: layer at once: the rules' and dashboards' `expected_claim_reasons`, the warehouse's `claim_reasons`.
EXPECTED_CLAIM_REASONS_ENV = "AIRDROPS_EXPECTED_CLAIM_REASONS"


def expected_claim_reasons(names: Iterable[str]) -> tuple[str, ...]:
    """A site's choice of expected outcomes, checked and in the taxonomy's order.

    Any failure reason may be one (`none` is a success's, never a failure's); unknown names and an empty
    choice are errors (`kill_switch` refusing on purpose is never a fault: leave the setting out instead).

        >>> expected_claim_reasons(["kill_switch", "not_eligible"])
        ('not_eligible', 'kill_switch')
    """
    chosen = [str(n).strip() for n in names]
    allowed = [r.name for r in CLAIM_REASONS if r.name != NONE]
    unknown = [n for n in chosen if n not in allowed]
    if unknown or not chosen:
        what = f"unknown claim reason(s) {', '.join(map(repr, unknown))}" if unknown else "no claim reason given"
        raise ValueError(f"{what}: expected outcomes are among {', '.join(allowed)}")
    return tuple(n for n in allowed if n in chosen)


def claim_reason(outcome: str, reason: str | None) -> str:
    """The canonical reason of an attempt: `none` on success; a failure's reason, `other` when unknown."""
    if outcome == SUCCESS:
        return NONE
    return reason if reason in _BY_NAME and reason != NONE else OTHER


def is_counted(outcome: str, reason: str | None, expected: Iterable[str] = EXPECTED_CLAIM_REASONS) -> bool:
    """Whether an attempt counts in claim success (successes and faults; not expected outcomes)."""
    return claim_reason(outcome, reason) not in expected


def claim_hint(reason: str) -> str:
    """What to do about a failure reason ('' when there is no specific advice)."""
    return _BY_NAME[reason].hint if reason in _BY_NAME else ""


# --- ratios shown in more than one place ------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """A ratio the product shows in several places, defined once."""

    name: str
    formula: str
    terms: str
    shown_in: tuple[str, ...]


RATIOS: tuple[Ratio, ...] = (
    Ratio(
        "claim success rate",
        "succeeded / counted",
        "`counted` = attempts - failures whose reason is an expected outcome "
        f"({', '.join(f'`{r}`' for r in EXPECTED_CLAIM_REASONS)} unless the site's `expected_claim_reasons` says "
        "otherwise: docs/operations.md); `succeeded` = attempts with outcome "
        "`success`. Faults are the counted attempts that failed. No counted attempt: no rate (n/a), never 0 or 1.",
        (
            "SLO `ClaimSuccess` and alert `AirdropsClaimFailureRatioHigh` (as 1 - rate)",
            "Grafana overview panel *Claim success rate*",
            "view `claim_success_rate` and the *Claim Success Rate* dashboard",
            "`airdrops.analytics.success_rate`, `airdrop_tracking` and the report",
        ),
    ),
    Ratio(
        "transaction failure ratio",
        "failed / sent",
        "Transactions with outcome `failure` over all transactions, claims included (action `claim`).",
        (
            "alert `AirdropsTxFailureRatioHigh`",
            "Grafana overview panel *Transaction failure ratio*",
            "view `ops_daily` (`tx_failed / tx_count`) and the *Operations History* dashboard",
        ),
    ),
    Ratio(
        "RPC error ratio",
        "errors / requests",
        "Failed JSON-RPC requests over all requests (`airdrops.rpc.request.errors` over the count of "
        "`airdrops.rpc.request.duration`).",
        (
            "SLO `RpcAvailability`, alert `AirdropsRpcErrorRatioHigh`",
            "Grafana overview panel *RPC error ratio*",
            "view `ops_daily` (`rpc_error_ratio`) and the *Operations History* dashboard",
        ),
    ),
    Ratio(
        "job failure ratio",
        "failed runs / runs",
        "Scheduler runs with outcome `failure` over all runs (retries are runs).",
        (
            "alert `AirdropsJobFailing`",
            "Grafana scheduler panel *Job failure ratio*",
            "view `ops_daily` (`job_failures / job_runs`)",
        ),
    ),
    Ratio(
        "ROI",
        "net_usd / cost_usd",
        "`net_usd` = realized + unrealized - cost; `cost_usd` = gas + fees (+ capital's opportunity cost in the "
        "report when a rate is set). Shown as n/a when the cost is below `ROI_MIN_COST_USD` or below "
        "`ROI_MIN_COST_SHARE` of the value it is compared with: a ratio over a near-zero cost means nothing.",
        (
            "views `roi_by_protocol`, `roi_by_airdrop` and the *ROI* dashboard",
            "`airdrops.analytics.roi_by_protocol`, `roi_by_airdrop` and the report",
        ),
    ),
    Ratio(
        "Prometheus vs events difference",
        "prometheus - events",
        "Per UTC day and bot: claims, transactions and gas as Prometheus counted them minus as the event log "
        "recorded them over the same stretch of time. Beyond `RECONCILE_TOLERANCE` of the larger of the two it is "
        "a disagreement.",
        ("view `prometheus_vs_events` and the *Operations History* dashboard",
         "the report's *Prometheus vs event log* section", "alert `AirdropsSourcesDisagree`"),
    ),
)  # fmt: skip

#: ROI as a percentage is n/a below this cost, in USD ...
ROI_MIN_COST_USD = 1.0
#: ... or when the cost is below this share of the value it is compared with (|ROI| above ~100x).
ROI_MIN_COST_SHARE = 0.01
#: Relative difference between Prometheus' and the event log's daily totals tolerated as noise.
RECONCILE_TOLERANCE = 0.01
#: The thresholds above by the names the warehouse's views read them under (table `definitions`).
DEFINITIONS: dict[str, tuple[float, str]] = {
    "roi_min_cost_usd": (ROI_MIN_COST_USD, "ROI is n/a below this cost (USD)."),
    "roi_min_cost_share": (ROI_MIN_COST_SHARE, "ROI is n/a when the cost is below this share of the value."),
    "reconcile_tolerance": (RECONCILE_TOLERANCE, "Prometheus and the event log disagree beyond this share."),
}

# --- the stack's names -------------------------------------------------------------------------------

#: Scrape job of the bots, and of the collector (which serves /metrics like a bot).
BOT_JOB = "airdrops-bot"
COLLECTOR_JOB = "airdrops-collector"


@dataclass(frozen=True)
class Ports:
    """Default ports; everything binds to 127.0.0.1 unless configured otherwise."""

    bot_metrics: int = 9464
    collector_metrics: int = 9465
    prometheus: int = 9090
    alertmanager: int = 9093
    grafana: int = 3000
    node_exporter: int = 9100
    postgresql: int = 5432


PORTS = Ports()


def to_markdown() -> str:
    """The claim taxonomy and the ratio definitions, as the generated part of docs/analytics.md."""
    lines = [
        "### Claim reasons",
        "",
        "| Reason | Expected outcome (not a fault) | Meaning |",
        "|---|---|---|",
    ]
    lines += [f"| `{r.name}` | {'yes' if r.expected else 'no'} | {r.description} |" for r in CLAIM_REASONS]
    lines += [
        "",
        "A reason outside this list is `other` in the metric (the catalogue's closed set) and in the",
        "warehouse's views (through the table `claim_reasons`); the event log keeps the bot's own text.",
        "",
        "### Ratios",
        "",
        "| Ratio | Formula | Terms | Shown in |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.name} | `{r.formula}` | {r.terms} | {'; '.join(r.shown_in)} |" for r in RATIOS]
    lines += [
        "",
        f"ROI thresholds: `ROI_MIN_COST_USD` = {ROI_MIN_COST_USD:g}, `ROI_MIN_COST_SHARE` = {ROI_MIN_COST_SHARE:g}; "
        f"`RECONCILE_TOLERANCE` = {RECONCILE_TOLERANCE:g}.",
    ]
    return "\n".join(lines) + "\n"
