"""Risk management: limits, per-round rule evaluation, and a kill switch.

from airdrops.risk_management import RiskLimits, RiskManager

risk = RiskManager(RiskLimits(max_exposure_per_protocol_usd=20_000, max_drawdown=0.15))
if decision := risk.allows("lend", "aave", wallet, 500, chain="arbitrum"):
    ...send it...
else:
    log.info("refused by %s", decision.reason)
"""

from airdrops.risk_management.limits import (
    KILL_SWITCH,
    MAX_DAILY_GAS_SPEND,
    MAX_DRAWDOWN,
    MAX_EXPOSURE_PER_PROTOCOL,
    MAX_EXPOSURE_PER_WALLET,
    MAX_GAS_PRICE,
    RULES,
    Decision,
    RiskLimits,
)
from airdrops.risk_management.manager import EXPOSURE_ACTIONS, KILL_SWITCH_EXEMPT, RiskManager

__all__ = [
    "EXPOSURE_ACTIONS",
    "KILL_SWITCH",
    "KILL_SWITCH_EXEMPT",
    "MAX_DAILY_GAS_SPEND",
    "MAX_DRAWDOWN",
    "MAX_EXPOSURE_PER_PROTOCOL",
    "MAX_EXPOSURE_PER_WALLET",
    "MAX_GAS_PRICE",
    "RULES",
    "Decision",
    "RiskLimits",
    "RiskManager",
]
