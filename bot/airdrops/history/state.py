"""Wallet holdings and the simulation's running totals."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from airdrops.history.market import Market
from airdrops.history.world import World


@dataclass
class Wallet:
    """One farming wallet: stablecoins and gas per chain, lending positions, claimed tokens."""

    address: str
    cash: dict[str, float]
    native: dict[str, float]
    positions: dict[str, float] = field(default_factory=dict)
    #: Claimed airdrop tokens: token -> (chain, amount).
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: Successful transactions per protocol before each airdrop's snapshot (eligibility).
    interactions: Counter[str] = field(default_factory=Counter)
    #: USD-days deposited per protocol before its airdrop's snapshot (eligibility and points).
    usd_days: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: Claim state per airdrop: "done" once settled (claimed, refused for good).
    claims: dict[str, str] = field(default_factory=dict)
    #: Claims the chain executed although the bot saw an RPC error (the retry will find them claimed).
    claimed_on_chain: set[str] = field(default_factory=set)

    def value_usd(self, world: World, market: Market) -> float:
        """Everything the wallet holds, at current prices."""
        total = sum(self.cash.values()) + sum(self.positions.values())
        total += sum(amount * market.native_price(chain) for chain, amount in self.native.items())
        total += sum(amount * market.prices.get(token, 0.0) for token, (_, amount) in self.tokens.items())
        return total

    def stable_usd(self) -> float:
        """Capital the allocator manages: stablecoins on every chain plus lending positions."""
        return sum(self.cash.values()) + sum(self.positions.values())


@dataclass
class Stats:
    """Running totals for the summary."""

    tx: Counter[str] = field(default_factory=Counter)  # by action
    tx_failed: Counter[str] = field(default_factory=Counter)  # by error
    claims: Counter[str] = field(default_factory=Counter)  # "success" or the failure reason
    claimed_usd: float = 0.0
    gas_used: int = 0
    gas_usd: float = 0.0
    #: Swap and bridge fees the protocols kept, USD at the time.
    fees_usd: float = 0.0
    #: Airdrop tokens sold, USD at the price of the moment.
    sold_usd: float = 0.0
    refused: Counter[str] = field(default_factory=Counter)  # by risk rule
    events: int = 0
    rebalances: int = 0
    kill_switch_trips: int = 0
    stalls: int = 0
