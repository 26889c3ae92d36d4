"""The allocator: plans, measures drift and rebalances, with telemetry."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from airdrops import monitoring
from airdrops.capital_allocation.strategy import Move, Opportunity, Plan, make_plan
from airdrops.monitoring import metrics
from airdrops.risk_management.limits import RiskLimits
from airdrops.scheduler.clock import Clock, as_datetime

_log = logging.getLogger("airdrops.capital_allocation")

#: Sends one move; returns the USD amount actually moved (0 when refused or failed).
Executor = Callable[[Move], float]


@dataclass
class RebalanceResult:
    """What a `rebalance()` call did."""

    drift: float
    rebalanced: bool
    moves: list[Move] = field(default_factory=list)
    #: USD actually moved, by protocol: positive deposited, negative withdrawn.
    executed: dict[str, float] = field(default_factory=dict)
    positions: dict[str, float] = field(default_factory=dict)
    complete: bool = True


class Allocator:
    """Plans capital across protocols and rebalances when positions drift from the plan.

    >>> from airdrops.capital_allocation import Allocator, Opportunity
    >>> alloc = Allocator(reserve_ratio=0.1, drift_threshold=0.05)
    >>> plan = alloc.plan(10_000, [Opportunity("a", 500, 1_000), Opportunity("b", 300, 1_000),
    ...                            Opportunity("c", 200, 1_000)])
    >>> plan.targets
    {'a': 4500.0, 'b': 2700.0, 'c': 1800.0}
    >>> result = alloc.rebalance(plan, {"a": 4500.0}, execute=lambda move: move.amount_usd)
    >>> [(m.action, m.protocol, m.amount_usd) for m in result.moves]
    [('deposit', 'b', 2700.0), ('deposit', 'c', 1800.0)]

    Targets use at most `cap_ratio` of each risk limit, leaving headroom for yield and price moves.
    Give it the scheduler's `clock` so events carry that clock's time (virtual time in history mode).
    """

    def __init__(
        self,
        limits: RiskLimits | None = None,
        *,
        reserve_ratio: float = 0.1,
        drift_threshold: float = 0.05,
        min_move_usd: float = 10.0,
        min_score: float = 0.0,
        cap_ratio: float = 0.95,
        clock: Clock | None = None,
    ) -> None:
        self.limits = limits
        #: Share of each risk limit the plan may use: headroom so yield and prices do not breach it.
        self.cap_ratio = cap_ratio
        self._clock = clock
        self.reserve_ratio = reserve_ratio
        self.drift_threshold = drift_threshold
        self.min_move_usd = min_move_usd
        self.min_score = min_score
        self._seen: set[str] = set()

    def plan(self, total_capital: float, protocols: Iterable[Opportunity]) -> Plan:
        """A new plan; sets `airdrops.capital.target` and writes one `allocation` event per protocol."""
        plan = make_plan(
            total_capital,
            protocols,
            reserve_ratio=self.reserve_ratio,
            limits=self.limits,
            min_score=self.min_score,
            cap_ratio=self.cap_ratio,
        )
        ts = self._ts()
        for protocol in sorted(self._seen | set(plan.targets)):
            metrics.capital_target.set(plan.targets.get(protocol, 0.0), protocol=protocol)
        for protocol, target in plan.targets.items():
            monitoring.emit(
                "allocation",
                ts=ts,
                protocol=protocol,
                action="plan",
                amount_usd=_usd(target),
                target_usd=_usd(target),
                chain=plan.chains.get(protocol),
            )
        self._seen |= set(plan.targets)
        return plan

    def rebalance(
        self,
        plan: Plan,
        positions: Mapping[str, float],
        execute: Executor,
        *,
        force: bool = False,
    ) -> RebalanceResult:
        """Move capital towards `plan` when drift exceeds the threshold (or `force`).

        Each move goes through `execute`, which returns the USD it moved; each move that moved
        something writes an `allocation` event. A move left incomplete marks the round failed
        (`error_type="incomplete"`); an exception from `execute` marks it failed and propagates.
        """
        drift = plan.drift(positions)
        if drift <= self.drift_threshold and not force:
            self.observe(plan, positions)
            return RebalanceResult(drift, False, positions=dict(positions))
        new = dict(positions)
        result = RebalanceResult(drift, True, plan.moves(positions, self.min_move_usd), positions=new)
        with monitoring.track_rebalance() as op:
            for move in result.moves:
                done = max(0.0, min(float(execute(move)), move.amount_usd))
                if done > 0:
                    sign = 1 if move.action == "deposit" else -1
                    new[move.protocol] = new.get(move.protocol, 0.0) + sign * done
                    result.executed[move.protocol] = sign * done
                    monitoring.emit(
                        "allocation",
                        ts=self._ts(),
                        protocol=move.protocol,
                        action=move.action,
                        amount_usd=_usd(done),
                        target_usd=_usd(move.target_usd),
                        chain=move.chain,
                    )
                if done < move.amount_usd - 0.01:
                    result.complete = False
                    _log.warning(
                        "rebalance: %s %s moved %.2f of %.2f USD", move.action, move.protocol, done, move.amount_usd
                    )
            if not result.complete:
                op.fail("incomplete")
        self.observe(plan, new)
        return result

    def _ts(self) -> datetime | None:
        return as_datetime(self._clock.now()) if self._clock is not None else None

    def observe(self, plan: Plan, positions: Mapping[str, float], total_capital: float | None = None) -> None:
        """Set the allocated, idle and efficiency gauges from current positions."""
        total = plan.total_capital if total_capital is None else total_capital
        deployed = sum(positions.values())
        assigned_idle = 0.0
        for protocol in sorted(self._seen | set(plan.targets) | set(positions)):
            current = positions.get(protocol, 0.0)
            idle = max(0.0, plan.targets.get(protocol, 0.0) - current)
            assigned_idle += idle
            metrics.capital_allocated.set(current, protocol=protocol)
            metrics.capital_idle.set(idle, protocol=protocol)
        self._seen |= set(positions)
        cash = max(0.0, total - deployed)
        metrics.capital_idle.set(max(0.0, cash - assigned_idle), protocol="reserve")
        metrics.capital_efficiency.set(deployed / total if total > 0 else 0.0)


def _usd(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")
