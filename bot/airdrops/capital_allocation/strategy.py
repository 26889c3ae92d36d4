"""The allocation plan: pure functions, no telemetry (see `allocator.py` for that)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from airdrops.risk_management.limits import RiskLimits

_EPS = 1e-9


@dataclass(frozen=True)
class Opportunity:
    """A protocol worth farming: what it is expected to pay, and the capital that takes."""

    protocol: str
    #: Expected value of farming it over the planning horizon (airdrop estimate plus yield), USD.
    expected_value_usd: float
    #: Capital needed to earn that value; also the smallest position worth holding, USD.
    capital_required_usd: float
    chain: str | None = None
    #: Optional ceiling of its own (pool capacity, campaign cap), on top of the risk limit, USD.
    max_usd: float | None = None

    @property
    def score(self) -> float:
        """Expected value per dollar of capital."""
        return self.expected_value_usd / self.capital_required_usd if self.capital_required_usd > 0 else 0.0


@dataclass(frozen=True)
class Move:
    """One step of a rebalance: move `amount_usd` into (`deposit`) or out of (`withdraw`) a protocol."""

    protocol: str
    action: Literal["deposit", "withdraw"]
    amount_usd: float
    target_usd: float
    chain: str | None = None


@dataclass(frozen=True)
class Plan:
    """Target capital per protocol; whatever is not assigned is the reserve."""

    total_capital: float
    targets: dict[str, float]
    scores: dict[str, float] = field(default_factory=dict)
    chains: dict[str, str] = field(default_factory=dict)

    @property
    def allocated(self) -> float:
        return sum(self.targets.values())

    @property
    def reserve(self) -> float:
        """Capital left unassigned: the cash reserve plus what the caps left over."""
        return self.total_capital - self.allocated

    def drift(self, positions: Mapping[str, float]) -> float:
        """Fraction of the total capital that must move to reach the plan (0 = on plan, 1 = all of it).

        Half the sum of absolute deviations over every protocol and the cash reserve, over the total.
        """
        if self.total_capital <= 0:
            return 0.0
        protocols = set(self.targets) | set(positions)
        deviation = sum(abs(positions.get(p, 0.0) - self.targets.get(p, 0.0)) for p in protocols)
        cash = self.total_capital - sum(positions.values())
        deviation += abs(cash - self.reserve)
        return deviation / (2 * self.total_capital)

    def moves(self, positions: Mapping[str, float], min_move_usd: float = 0.0) -> list[Move]:
        """Withdrawals first (they free the cash), then deposits; each sorted by protocol.

        Deviations smaller than `min_move_usd` are left alone: not worth the gas.
        """
        withdraws: list[Move] = []
        deposits: list[Move] = []
        for p in sorted(set(self.targets) | set(positions)):
            target = self.targets.get(p, 0.0)
            delta = round(target - positions.get(p, 0.0), 2)
            if abs(delta) < max(min_move_usd, 0.01):
                continue
            move = Move(p, "deposit" if delta > 0 else "withdraw", abs(delta), target, self.chains.get(p))
            (deposits if delta > 0 else withdraws).append(move)
        return withdraws + deposits


def make_plan(
    total_capital: float,
    protocols: Iterable[Opportunity],
    *,
    reserve_ratio: float = 0.1,
    limits: RiskLimits | None = None,
    min_score: float = 0.0,
    cap_ratio: float = 1.0,
) -> Plan:
    """Score-weighted targets, capped per protocol, with a cash reserve (see the package docstring)."""
    if not 0 <= reserve_ratio <= 1:
        raise ValueError("reserve_ratio is a ratio in [0, 1]")
    candidates = {o.protocol: o for o in protocols if o.score > min_score}
    investable = max(0.0, total_capital) * (1 - reserve_ratio)
    caps = {p: _cap(o, limits, cap_ratio) for p, o in candidates.items()}
    while True:
        targets = water_fill(investable, {p: o.score for p, o in candidates.items()}, caps)
        too_small = [p for p, t in targets.items() if 0 < t < candidates[p].capital_required_usd - _EPS]
        if not too_small:
            break
        # The weakest under-funded protocol leaves; its share goes to the others.
        drop = min(too_small, key=lambda p: (candidates[p].score, p))
        del candidates[drop]
    targets = {p: round(float(t), 2) for p, t in sorted(targets.items()) if t > _EPS}
    return Plan(
        total_capital=total_capital,
        targets=targets,
        scores={p: candidates[p].score for p in targets},
        chains={p: c for p in targets if (c := candidates[p].chain) is not None},
    )


def water_fill(amount: float, weights: Mapping[str, float], caps: Mapping[str, float]) -> dict[str, float]:
    """Split `amount` in proportion to `weights`, no share above its cap.

    What a capped share cannot take is split again among the others, by weight, until the
    amount is placed or every share is at its cap (the remainder is then left over).
    """
    targets = dict.fromkeys(weights, 0.0)
    active = {p for p, w in weights.items() if w > 0 and caps.get(p, float("inf")) > 0}
    remaining = amount
    while active and remaining > _EPS:
        total_weight = sum(weights[p] for p in active)
        shares = {p: remaining * weights[p] / total_weight for p in active}
        capped = {p for p in active if targets[p] + shares[p] >= caps.get(p, float("inf")) - _EPS}
        if not capped:
            for p in active:
                targets[p] += shares[p]
            break
        for p in sorted(capped):
            remaining -= caps[p] - targets[p]
            targets[p] = float(caps[p])
        active -= capped
    return targets


def _cap(o: Opportunity, limits: RiskLimits | None, cap_ratio: float) -> float:
    cap = float("inf") if limits is None else limits.exposure_limit(o.protocol) * cap_ratio
    return min(cap, o.max_usd) if o.max_usd is not None else cap
