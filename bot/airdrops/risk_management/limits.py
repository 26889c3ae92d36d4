"""Risk limits and the decisions taken against them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: Rule names, as they appear in `airdrops.risk.*` metrics and `risk_breach` events.
MAX_EXPOSURE_PER_PROTOCOL = "max_exposure_per_protocol"
MAX_EXPOSURE_PER_WALLET = "max_exposure_per_wallet"
MAX_DRAWDOWN = "max_drawdown"
MAX_GAS_PRICE = "max_gas_price"
MAX_DAILY_GAS_SPEND = "max_daily_gas_spend"
KILL_SWITCH = "kill_switch"

RULES = (MAX_EXPOSURE_PER_PROTOCOL, MAX_EXPOSURE_PER_WALLET, MAX_DRAWDOWN, MAX_GAS_PRICE, MAX_DAILY_GAS_SPEND)


@dataclass(frozen=True)
class RiskLimits:
    """What the bot may risk. USD amounts; the drawdown is a ratio of the portfolio's peak value.

    >>> limits = RiskLimits(max_exposure_per_protocol_usd=5_000, protocol_exposure_usd={"aave": 8_000})
    >>> limits.exposure_limit("aave"), limits.exposure_limit("morpho")
    (8000, 5000)
    """

    max_exposure_per_protocol_usd: float = 10_000.0
    max_exposure_per_wallet_usd: float = 5_000.0
    #: Drawdown from the peak (0.2 = 20%) that trips the kill switch.
    max_drawdown: float = 0.2
    max_gas_price_gwei: float = 100.0
    max_daily_gas_usd: float = 100.0
    #: Per-protocol overrides of `max_exposure_per_protocol_usd`.
    protocol_exposure_usd: Mapping[str, float] = field(default_factory=dict)
    #: Per-chain overrides of `max_gas_price_gwei` (L2 gas prices are orders of magnitude lower).
    chain_gas_price_gwei: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.max_drawdown <= 1:
            raise ValueError("max_drawdown is a ratio in (0, 1]")

    def exposure_limit(self, protocol: str) -> float:
        """The exposure limit for one protocol, in USD."""
        return self.protocol_exposure_usd.get(protocol, self.max_exposure_per_protocol_usd)

    def gas_price_limit(self, chain: str) -> float:
        """The gas price limit on one chain, in gwei."""
        return self.chain_gas_price_gwei.get(chain, self.max_gas_price_gwei)


@dataclass(frozen=True)
class Decision:
    """The answer of `RiskManager.allows`: truthy when allowed, else `reason` names the rule."""

    allowed: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)
