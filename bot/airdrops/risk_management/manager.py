"""The risk manager: exposure, drawdown and gas rules, and the kill switch."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from airdrops import monitoring
from airdrops.monitoring import metrics
from airdrops.risk_management.limits import (
    ALLOWED,
    KILL_SWITCH,
    MAX_DAILY_GAS_SPEND,
    MAX_DRAWDOWN,
    MAX_EXPOSURE_PER_PROTOCOL,
    MAX_EXPOSURE_PER_WALLET,
    MAX_GAS_PRICE,
    Decision,
    RiskLimits,
)
from airdrops.scheduler.clock import Clock, RealClock, as_datetime

_log = logging.getLogger("airdrops.risk_management")

#: Actions that put more capital into a protocol, checked against the exposure limits.
EXPOSURE_ACTIONS = frozenset({"lend", "deposit"})
#: Actions still allowed while the kill switch is tripped: pulling capital out reduces risk.
KILL_SWITCH_EXEMPT = frozenset({"withdraw"})
_DAY = 86_400


class RiskManager:
    """Evaluates the risk rules each round and gates every new transaction.

        >>> from airdrops.risk_management import RiskLimits, RiskManager
        >>> risk = RiskManager(RiskLimits(max_exposure_per_protocol_usd=1_000, max_drawdown=0.1))
        >>> risk.set_exposure("aave", "0xabc", 900)
        >>> risk.allows("lend", "aave", "0xabc", 200)
        Decision(allowed=False, reason='max_exposure_per_protocol')
        >>> _ = risk.update_portfolio(10_000); _ = risk.update_portfolio(8_500)
        >>> risk.evaluate()             # drawdown 15% > 10%: breach, kill switch trips
        ['max_drawdown']
        >>> risk.allows("swap", "uniswap", "0xabc", 50).reason
        'kill_switch'
        >>> risk.reset()                # only an explicit reset re-arms trading

    `evaluate()` runs every rule through `monitoring.risk_check` (pass/breach counters,
    `risk_breach` events) and sets the exposure, drawdown and kill-switch gauges. Breaches are
    level-triggered: a limit still exceeded is reported again in the next round.

    Give it the scheduler's `clock`: the daily gas budget rolls over on that clock's UTC days and
    events carry its time (virtual time in history mode).
    """

    def __init__(self, limits: RiskLimits, *, clock: Clock | None = None) -> None:
        self.limits = limits
        self._clock: Clock = clock if clock is not None else RealClock()
        self._exposure: dict[tuple[str, str], float] = {}
        self._gas_prices: dict[str, float] = {}
        self._gas_day = -1
        self._gas_today = 0.0
        self.peak = 0.0
        self.portfolio_value: float | None = None
        self.kill_switch = False
        self.kill_reason: str | None = None
        #: Breaches reported so far (one per offending protocol, wallet or chain per round).
        self.breaches = 0
        metrics.risk_drawdown_limit.set(limits.max_drawdown)
        metrics.risk_kill_switch.set(0)

    # --- state fed by the bot -------------------------------------------------------------

    def set_exposure(self, protocol: str, wallet: str, usd: float) -> None:
        """Capital `wallet` holds in `protocol` now, in USD."""
        self._exposure[(protocol, wallet)] = usd

    def set_positions(self, positions: Mapping[tuple[str, str], float]) -> None:
        """Replace all exposures: `{(protocol, wallet): usd}`."""
        self._exposure = dict(positions)

    def exposure_by_protocol(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for (protocol, _), usd in self._exposure.items():
            out[protocol] += usd
        return dict(out)

    def exposure_by_wallet(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for (_, wallet), usd in self._exposure.items():
            out[wallet] += usd
        return dict(out)

    def observe_gas_price(self, chain: str, gwei: float) -> None:
        """The latest gas price seen on `chain`."""
        self._gas_prices[chain] = gwei

    def record_gas(self, usd: float) -> None:
        """Add the fee of a sent transaction to today's gas spend (UTC days on the clock)."""
        self._roll_day()
        self._gas_today += usd

    def gas_spent_today(self) -> float:
        self._roll_day()
        return self._gas_today

    def update_portfolio(self, value_usd: float) -> float:
        """Record the portfolio's value; returns the drawdown from its peak."""
        self.portfolio_value = value_usd
        self.peak = max(self.peak, value_usd)
        dd = self.drawdown
        metrics.risk_drawdown.set(dd)
        return dd

    @property
    def drawdown(self) -> float:
        if self.portfolio_value is None or self.peak <= 0:
            return 0.0
        return max(0.0, (self.peak - self.portfolio_value) / self.peak)

    # --- decisions --------------------------------------------------------------------------

    def allows(
        self,
        action: str,
        protocol: str,
        wallet: str,
        amount_usd: float,
        *,
        chain: str | None = None,
        gas_price_gwei: float | None = None,
    ) -> Decision:
        """Whether a new transaction may go out; when not, `reason` names the rule that refused."""
        if self.kill_switch and action not in KILL_SWITCH_EXEMPT:
            return Decision(False, KILL_SWITCH)
        if action in EXPOSURE_ACTIONS:
            by_protocol = sum(usd for (p, _), usd in self._exposure.items() if p == protocol)
            if by_protocol + amount_usd > self.limits.exposure_limit(protocol):
                return Decision(False, MAX_EXPOSURE_PER_PROTOCOL)
            by_wallet = sum(usd for (_, w), usd in self._exposure.items() if w == wallet)
            if by_wallet + amount_usd > self.limits.max_exposure_per_wallet_usd:
                return Decision(False, MAX_EXPOSURE_PER_WALLET)
        if chain is not None:
            gwei = gas_price_gwei if gas_price_gwei is not None else self._gas_prices.get(chain)
            if gwei is not None and gwei > self.limits.gas_price_limit(chain):
                return Decision(False, MAX_GAS_PRICE)
        if self.gas_spent_today() >= self.limits.max_daily_gas_usd:
            return Decision(False, MAX_DAILY_GAS_SPEND)
        return ALLOWED

    def evaluate(self) -> list[str]:
        """One round of every rule; returns the rules breached. Events carry the clock's time."""
        ts = self._ts()
        breached = []
        by_protocol = self.exposure_by_protocol()
        for protocol in sorted(set(by_protocol) | set(self.limits.protocol_exposure_usd)):
            metrics.risk_exposure.set(by_protocol.get(protocol, 0.0), protocol=protocol)
            metrics.risk_exposure_limit.set(self.limits.exposure_limit(protocol), protocol=protocol)
        with monitoring.risk_check(MAX_EXPOSURE_PER_PROTOCOL, ts=ts) as check:
            for protocol, usd in sorted(by_protocol.items()):
                limit = self.limits.exposure_limit(protocol)
                if usd > limit:
                    self._breach(check, value=_usd(usd), limit=_usd(limit), protocol=protocol)
        if check.breached:
            breached.append(MAX_EXPOSURE_PER_PROTOCOL)

        with monitoring.risk_check(MAX_EXPOSURE_PER_WALLET, ts=ts) as check:
            limit = self.limits.max_exposure_per_wallet_usd
            for wallet, usd in sorted(self.exposure_by_wallet().items()):
                if usd > limit:
                    self._breach(check, value=_usd(usd), limit=_usd(limit), wallet=wallet)
        if check.breached:
            breached.append(MAX_EXPOSURE_PER_WALLET)

        with monitoring.risk_check(MAX_GAS_PRICE, ts=ts) as check:
            for chain, gwei in sorted(self._gas_prices.items()):
                limit = self.limits.gas_price_limit(chain)
                if gwei > limit:
                    self._breach(check, value=_dec(gwei, 4), limit=_dec(limit, 4))
        if check.breached:
            breached.append(MAX_GAS_PRICE)

        with monitoring.risk_check(MAX_DAILY_GAS_SPEND, ts=ts) as check:
            spent = self.gas_spent_today()
            if spent > self.limits.max_daily_gas_usd:
                self._breach(check, value=_usd(spent), limit=_usd(self.limits.max_daily_gas_usd))
        if check.breached:
            breached.append(MAX_DAILY_GAS_SPEND)

        with monitoring.risk_check(MAX_DRAWDOWN, ts=ts) as check:
            dd = self.drawdown
            metrics.risk_drawdown.set(dd)
            if dd > self.limits.max_drawdown:
                trips = not self.kill_switch
                self._breach(
                    check,
                    value=_dec(dd, 4),
                    limit=_dec(self.limits.max_drawdown, 4),
                    severity="critical",
                    action_taken=KILL_SWITCH if trips else None,
                )
                if trips:
                    self.trip(f"drawdown {dd:.1%} > {self.limits.max_drawdown:.1%}")
        if check.breached:
            breached.append(MAX_DRAWDOWN)
        metrics.risk_kill_switch.set(1 if self.kill_switch else 0)
        return breached

    def trip(self, reason: str = "manual") -> None:
        """Trip the kill switch: every new transaction but withdrawals is refused until `reset()`."""
        if not self.kill_switch:
            _log.error("kill switch tripped: %s", reason)
        self.kill_switch = True
        self.kill_reason = reason
        metrics.risk_kill_switch.set(1)

    def reset(self, *, rebase_peak: bool = True) -> None:
        """Re-arm trading after a trip. `rebase_peak` measures drawdown from the current value on,
        so an unchanged loss does not trip the switch again at the next round."""
        if self.kill_switch:
            _log.warning("kill switch reset (was: %s)", self.kill_reason)
        self.kill_switch = False
        self.kill_reason = None
        if rebase_peak and self.portfolio_value is not None:
            self.peak = self.portfolio_value
            metrics.risk_drawdown.set(0.0)
        metrics.risk_kill_switch.set(0)

    def _breach(self, check: Any, **details: Any) -> None:
        self.breaches += 1
        check.breach(**details)

    def _ts(self) -> datetime:
        return as_datetime(self._clock.now())

    def _roll_day(self) -> None:
        day = int(self._clock.now() // _DAY)
        if day != self._gas_day:
            self._gas_day = day
            self._gas_today = 0.0


def _usd(value: float) -> Decimal:
    return _dec(value, 2)


def _dec(value: float, places: int) -> Decimal:
    # Events carry decimal strings: fixed places read better than float reprs ("1200.00", not "1200.0").
    return Decimal(f"{value:.{places}f}")
