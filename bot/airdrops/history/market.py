"""Prices and gas: seeded random walks, one step per call of `step()`."""

from __future__ import annotations

import math
import random

from airdrops.history.world import World

HOUR = 3600.0


class Market:
    """USD prices of the native coins and listed airdrop tokens, and gas prices per chain."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self._world = world
        self._rng = rng
        self._vol = {token: vol for token, (_, vol) in world.native_prices.items()}
        self._drift = dict.fromkeys(world.native_prices, 0.0)
        self.prices: dict[str, float] = {token: price for token, (price, _) in world.native_prices.items()}
        self.prices["USDC"] = 1.0
        self._gas_dev = dict.fromkeys(world.chains, 0.0)  # log deviation from the chain's typical price
        self.gas_gwei = {name: c.gas_gwei for name, c in world.chains.items()}

    def list_token(self, token: str, price: float, drift: float, vol: float) -> None:
        """Start trading an airdrop token at `price`."""
        self.prices[token] = price
        self._drift[token] = drift
        self._vol[token] = vol

    def step(self, hours: float) -> None:
        """Advance prices and gas by `hours` (geometric walks; gas mean-reverts, with rare spikes)."""
        scale = math.sqrt(max(hours, 0.0))
        for token in sorted(self._vol):
            shock = self._rng.gauss(0.0, 1.0)
            self.prices[token] *= math.exp(self._drift[token] * hours + self._vol[token] * scale * shock)
        for name in sorted(self._gas_dev):
            chain = self._world.chains[name]
            dev = self._gas_dev[name] * 0.85**hours + chain.gas_vol * scale * self._rng.gauss(0.0, 1.0)
            if self._rng.random() < 0.01 * hours:  # a mint, a liquidation cascade: gas spikes
                dev += self._rng.uniform(0.8, 1.6)
            self._gas_dev[name] = dev
            self.gas_gwei[name] = chain.gas_gwei * math.exp(dev)

    def native_price(self, chain: str) -> float:
        return self.prices[self._world.chains[chain].native]
