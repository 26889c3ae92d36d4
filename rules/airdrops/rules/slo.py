"""The service level objectives: what counts as a failure, out of what, and the objective.

Both are per bot (`bot_id`): one bot's RPC provider failing does not spend another bot's budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from airdrops.monitoring import vocabulary
from airdrops.rules.config import RulesConfig
from airdrops.rules.expr import metric, regex_alternatives, selector


@dataclass(frozen=True)
class Slo:
    #: Used in recording rule names: `bot_id:<metric>:ratio_rate<window>`.
    metric: str
    #: Used in the alert name: `Airdrops<alert>BudgetBurn`.
    alert: str
    #: The SLO's name in prose: "claim success".
    title: str
    #: What is measured, for the annotations: "RPC requests", "claims".
    what: str
    objective: float
    #: Selectors of the failure and total counters.
    failures: str
    total: str
    #: What the total counts, in the name of its recorded increase: `bot_id:<events>:increase<window>`.
    events: str
    #: Events the long window of a burn-rate alert must hold for the alert to fire.
    min_events: int

    @property
    def error_budget(self) -> float:
        return round(1.0 - self.objective, 10)

    def ratio_name(self, window: str) -> str:
        return f"bot_id:{self.metric}:ratio_rate{window}"

    def events_name(self, window: str) -> str:
        return f"bot_id:{self.events}:increase{window}"


def counted_claims(expected: tuple[str, ...] = vocabulary.EXPECTED_CLAIM_REASONS) -> str:
    """The matcher of the claim attempts that count in claim success: expected outcomes left out.

    The one PromQL form of the vocabulary's definition; the rules and the dashboards use it, with the
    site's `expected_claim_reasons`.
    """
    return f'reason!~"{regex_alternatives(expected)}"'


def slos(cfg: RulesConfig) -> tuple[Slo, ...]:
    counted = counted_claims(cfg.expected_claim_reasons)
    claims = metric("airdrops.claim.attempts")
    return (
        Slo(
            "airdrops_claim_failures",
            "ClaimSuccess",
            "claim success",
            "claims",
            cfg.claim_success_objective,
            selector(claims, cfg.bot_selector, 'outcome="failure"', counted),
            selector(claims, cfg.bot_selector, counted),
            "airdrops_claim_counted_attempts",
            cfg.claim_slo_min_events,
        ),
        Slo(
            "airdrops_rpc_errors",
            "RpcAvailability",
            "RPC availability",
            "RPC requests",
            cfg.rpc_availability_objective,
            selector(metric("airdrops.rpc.request.errors"), cfg.bot_selector),
            selector(metric("airdrops.rpc.request.duration", "_count"), cfg.bot_selector),
            "airdrops_rpc_requests",
            cfg.rpc_slo_min_events,
        ),
    )
