"""The simulation: wallets farming simulated protocols, driven by the Scheduler on a VirtualClock."""

from __future__ import annotations

import random
from datetime import datetime

from airdrops import monitoring
from airdrops.capital_allocation import Allocator, Move, Opportunity
from airdrops.history.chain import SimChain, Trade, dec
from airdrops.history.market import HOUR, Market
from airdrops.history.state import Stats, Wallet
from airdrops.history.world import AirdropSpec, World, default_world
from airdrops.monitoring import metrics, vocabulary as v
from airdrops.risk_management import RiskLimits, RiskManager
from airdrops.scheduler import Scheduler, VirtualClock

DAY = 86_400.0
#: Farming actions per wallet per day, on average.
ACTIONS_PER_DAY = 2.5
#: Smallest deposit or withdrawal worth a transaction for one wallet, USD.
MIN_WALLET_MOVE = 20.0
BRIDGE_FEE = 0.0006
SWAP_FEE = 0.003
#: Extra chance of an RPC error on claims during the first day of a claim window (everyone claims).
OPENING_CONGESTION = 0.15
#: Hours after a kill-switch trip before the simulated operator resets it.
OPERATOR_RESET_HOURS = 24
#: Chance per farming round that a wallet holding a listed airdrop token sells part of it ...
SELL_CHANCE = 0.08
#: ... and the share of its holding it sells.
SELL_SHARE = 0.5


class PriceFeedError(RuntimeError):
    """The price oracle did not answer (injected failure, retried by the scheduler)."""


class Simulation:
    """W wallets farming the `World` for N days; every job runs on the scheduler's virtual clock."""

    def __init__(self, days: int, wallets: int, seed: int, start: datetime, world: World | None = None) -> None:
        if days < 1 or wallets < 1:
            raise ValueError("days and wallets must be at least 1")
        self.days, self.seed = days, seed
        self.world = world or default_world()
        self.clock = VirtualClock(start)
        self.t0 = self.clock.now()
        self.end = self.t0 + days * DAY
        self._ops = random.Random(f"{seed}:ops")  # injected failures
        self._farm = random.Random(f"{seed}:farm")  # what the wallets do
        self.market = Market(self.world, random.Random(f"{seed}:market"))
        self.stats = Stats()
        self.wallets = self._make_wallets(wallets, random.Random(f"{seed}:wallets"))
        capital = sum(w.stable_usd() for w in self.wallets)
        per_wallet = capital / wallets
        self.limits = RiskLimits(
            max_exposure_per_protocol_usd=round(0.4 * capital, 2),
            max_exposure_per_wallet_usd=round(0.85 * per_wallet, 2),
            max_drawdown=0.1,
            max_gas_price_gwei=100.0,
            chain_gas_price_gwei={"ethereum": 45.0, "polygon": 150.0, "arbitrum": 0.08, "base": 0.05},
            max_daily_gas_usd=30.0 * wallets,
        )
        self.risk = RiskManager(self.limits, clock=self.clock)
        self.allocator = Allocator(
            self.limits,
            reserve_ratio=0.25,
            drift_threshold=0.05,
            min_move_usd=MIN_WALLET_MOVE * wallets,
            clock=self.clock,
        )
        self.chain = SimChain(
            self.world, self.market, self.clock, random.Random(f"{seed}:chain"), self.risk, self.stats
        )
        sybil_rng = random.Random(f"{seed}:sybil")
        self._sybil = {
            (a.id, w.address)
            for a in self.world.airdrops.values()
            for w in self.wallets
            if sybil_rng.random() < a.sybil_rate
        }
        self._entitled: dict[tuple[str, str], float] = {}
        self._listed: set[str] = set()
        self._last_market = self.t0
        self._tripped_at: float | None = None
        self.initial_value = self.portfolio_value()
        self.scheduler = Scheduler(self.clock, rng=random.Random(f"{seed}:scheduler"))
        s, t0 = self.scheduler, self.t0
        s.add_job("market", self._market_job, HOUR, max_retries=3, backoff_base=30, backoff_cap=600, start=t0)
        s.add_job("risk", self._risk_job, HOUR, start=t0 + 300)
        s.add_job("farm", self._farm_job, HOUR, max_retries=1, backoff_base=60, start=t0 + 600)
        s.add_job("claims", self._claims_job, 6 * HOUR, max_retries=2, backoff_base=120, start=t0 + 1200)
        s.add_job("rebalance", self._rebalance_job, DAY, max_retries=2, backoff_base=300, start=t0 + HOUR)
        s.add_job("snapshot", self._snapshot_job, DAY, start=t0 + DAY - 300)

    # --- helpers ------------------------------------------------------------------------------

    def _make_wallets(self, n: int, rng: random.Random) -> list[Wallet]:
        chains = self.world.chains.values()
        return [
            Wallet(
                address=f"0x{rng.getrandbits(160):040x}",
                cash={c.name: c.cash_per_wallet for c in chains},
                native={c.name: c.native_per_wallet for c in chains},
            )
            for _ in range(n)
        ]

    def _at(self, fraction: float) -> float:
        return self.t0 + fraction * self.days * DAY

    def _window(self, a: AirdropSpec) -> tuple[float, float, float]:
        """Snapshot, opening and closing times of an airdrop."""
        opens = self._at(a.opens_at)
        return self._at(a.snapshot_at), opens, opens + a.window_days * DAY

    def _before_snapshot(self, protocol: str) -> bool:
        airdrop = self.world.protocols[protocol].airdrop
        return airdrop is not None and self.clock.now() < self._window(self.world.airdrops[airdrop])[0]

    def _interact(self, wallet: Wallet, protocol: str) -> None:
        if self._before_snapshot(protocol):
            wallet.interactions[protocol] += 1

    def _allowed(self, action: str, protocol: str, wallet: Wallet, amount: float, chain: str) -> bool:
        decision = self.risk.allows(action, protocol, wallet.address, amount, chain=chain)
        if not decision:
            self.stats.refused[decision.reason or "unknown"] += 1
        return bool(decision)

    def portfolio_value(self) -> float:
        return sum(w.value_usd(self.world, self.market) for w in self.wallets)

    def _emit(self, event_type: str, **fields: object) -> None:
        monitoring.emit(event_type, ts=self.clock.utcnow(), **fields)
        self.stats.events += 1

    def entitlement(self, a: AirdropSpec, wallet: Wallet) -> float:
        """Tokens `wallet` may claim from `a` (0 when not eligible), fixed at the first ask."""
        key = (a.id, wallet.address)
        if key not in self._entitled:
            interactions = wallet.interactions[a.protocol]
            usd_days = wallet.usd_days[a.protocol]
            eligible = interactions >= a.min_interactions and usd_days >= a.min_usd_days and key not in self._sybil
            points = interactions * 100 + usd_days / 10
            self._entitled[key] = round(points * a.tokens_per_point, 6) if eligible and points > 0 else 0.0
        return self._entitled[key]

    # --- jobs ---------------------------------------------------------------------------------

    def _market_job(self) -> None:
        """Prices, gas, yield accrual, RPC outages; now and then the price feed fails or the host stalls."""
        if self._ops.random() < 0.02:
            raise PriceFeedError("price oracle timed out")
        now = self.clock.now()
        hours, self._last_market = (now - self._last_market) / HOUR, now
        if hours > 0:
            self.market.step(hours)
        for a in sorted(self.world.airdrops.values(), key=lambda a: a.id):
            if a.token not in self._listed and now >= self._window(a)[1]:
                self.market.list_token(a.token, a.list_price_usd, a.price_drift, a.price_vol)
                self._listed.add(a.token)
        for w in self.wallets:
            for protocol, usd in w.positions.items():
                spec = self.world.protocols[protocol]
                if self._before_snapshot(protocol):
                    w.usd_days[protocol] += usd * hours / 24
                w.positions[protocol] = usd * (1 + spec.apy) ** (hours / 8760)
        for name in sorted(self.world.chains):
            if self.chain.outages.get(name, 0.0) <= now and self._ops.random() < 0.004:
                self.chain.outages[name] = now + self._ops.uniform(1, 3) * HOUR
            self.risk.observe_gas_price(name, self.market.gas_gwei[name])
        for token in sorted(t for t in self.market.prices if t != "USDC"):
            self._emit("price", token=token, price_usd=dec(self.market.prices[token]), source="sim-oracle")
        if self._ops.random() < 0.002:  # the host froze (VM migration, swap storm): jobs fall behind
            self.stats.stalls += 1
            self.clock.sleep(self._ops.uniform(1.5, 4) * HOUR)

    def _risk_job(self) -> None:
        value = self.portfolio_value()
        self.risk.update_portfolio(value)
        metrics.portfolio_value.set(value)
        self.risk.set_positions({(p, w.address): usd for w in self.wallets for p, usd in w.positions.items()})
        self.risk.evaluate()
        now = self.clock.now()
        if not self.risk.kill_switch:
            self._tripped_at = None
        elif self._tripped_at is None:
            self._tripped_at = now
            self.stats.kill_switch_trips += 1
        elif now - self._tripped_at >= OPERATOR_RESET_HOURS * HOUR:
            self.risk.reset()  # the simulated operator looked and re-armed it
            self._tripped_at = None

    def _farm_job(self) -> None:
        farmable = [p for p in sorted(self.world.protocols.values(), key=lambda p: p.name) if p.kind != "lend"]
        weights = [1.0 if p.airdrop is None else 2.0 for p in farmable]
        for w in self.wallets:
            if w.tokens and self._farm.random() < SELL_CHANCE:
                self._sell_airdrop_tokens(w)
            if self._farm.random() >= ACTIONS_PER_DAY / 24:
                continue
            spec = self._farm.choices(farmable, weights)[0]
            if spec.kind == "swap":
                self._swap(w, spec.name)
            else:
                self._bridge_somewhere(w)

    def _swap(self, w: Wallet, protocol: str) -> None:
        chain = self.world.protocols[protocol].chain
        native = self.world.chains[chain].native
        price = self.market.native_price(chain)
        usd = round(self._farm.uniform(40, 400), 2)
        sellable = (w.native[chain] - 0.25 * self.world.chains[chain].native_per_wallet) * price
        buy = w.cash[chain] >= usd and (w.native[chain] * price < w.cash[chain] or sellable < usd)
        if not buy and sellable < usd:
            return
        if not self._allowed("swap", protocol, w, usd, chain):
            return
        amount, token = (usd, "USDC") if buy else (usd / price, native)
        kept = 1 - SWAP_FEE - self._farm.uniform(0, 0.002)  # the pool's fee, then slippage
        out, out_token = (usd * kept / price, native) if buy else (usd * kept, "USDC")
        fee = Trade(out, out_token, amount, token, amount * SWAP_FEE, token, usd * SWAP_FEE)
        if self.chain.send(w, protocol, "swap", amount, token, trade=fee).success:
            if buy:
                w.cash[chain] -= usd
                w.native[chain] += out
            else:
                w.native[chain] -= usd / price
                w.cash[chain] += out
            self._interact(w, protocol)

    def _sell_airdrop_tokens(self, w: Wallet) -> None:
        """Sell part of a claimed airdrop token for USDC on a swap protocol of its chain (realized value)."""
        token = self._farm.choice(sorted(w.tokens))
        chain, held = w.tokens[token]
        price = self.market.prices.get(token)
        venues = sorted(p.name for p in self.world.protocols.values() if p.kind == "swap" and p.chain == chain)
        if not price or not venues or held <= 0:
            return
        amount = round(held * SELL_SHARE, 6)
        usd = amount * price
        if amount <= 0 or not self._allowed("swap", venues[0], w, usd, chain):
            return
        trade = Trade(usd * (1 - SWAP_FEE), "USDC", amount, token, amount * SWAP_FEE, token, usd * SWAP_FEE)
        if self.chain.send(w, venues[0], "swap", amount, token, trade=trade).success:
            w.tokens[token] = (chain, held - amount)
            w.cash[chain] += trade.amount
            self.stats.sold_usd += usd

    def _bridge_somewhere(self, w: Wallet) -> None:
        src = max(sorted(w.cash), key=lambda c: w.cash[c])
        dst = self._farm.choice([c for c in sorted(w.cash) if c != src])
        amount = round(min(0.3 * w.cash[src], self._farm.uniform(100, 600)), 2)
        if amount >= MIN_WALLET_MOVE:
            self._bridge(w, src, dst, amount)

    def _bridge(self, w: Wallet, src: str, dst: str, amount: float) -> bool:
        if not self._allowed("bridge", "stargate", w, amount, src):
            return False
        fee = amount * BRIDGE_FEE
        trade = Trade(amount - fee, "USDC", None, None, fee, "USDC", fee)
        ok = self.chain.send(w, "stargate", "bridge", amount, "USDC", chain=src, trade=trade).success
        if ok:
            w.cash[src] -= amount
            w.cash[dst] += amount - fee
            self._interact(w, "stargate")
        return ok

    def _claims_job(self) -> None:
        now = self.clock.now()
        for a in sorted(self.world.airdrops.values(), key=lambda a: a.id):
            _, opens, closes = self._window(a)
            if not opens <= now < closes:
                continue
            chain = self.world.protocols[a.protocol].chain
            for w in self.wallets:
                if w.claims.get(a.id) == "done" or not self._allowed("claim", a.protocol, w, 0.0, chain):
                    continue
                congestion = OPENING_CONGESTION if now < opens + DAY else 0.0
                reason = self.chain.claim(w, a, self.entitlement(a, w), congestion)
                if reason in (v.NONE, v.NOT_ELIGIBLE, v.ALREADY_CLAIMED):
                    w.claims[a.id] = "done"

    def _opportunities(self) -> list[Opportunity]:
        horizon_days = max(1.0, (self.end - self.clock.now()) / DAY)
        out = []
        for p in sorted(self.world.protocols.values(), key=lambda p: p.name):
            if p.kind != "lend":
                continue
            required = p.min_deposit_usd * len(self.wallets)
            value = required * p.apy * horizon_days / 365
            if p.airdrop is not None and self._before_snapshot(p.name):
                value += self.world.airdrops[p.airdrop].expected_usd_per_wallet * len(self.wallets)
            out.append(Opportunity(p.name, value, required, chain=p.chain))
        return out

    def _rebalance_job(self) -> None:
        if self.risk.kill_switch:  # no new deposits while tripped
            return
        total = sum(w.stable_usd() for w in self.wallets)
        plan = self.allocator.plan(total, self._opportunities())
        self.stats.events += len(plan.targets)
        positions: dict[str, float] = {}
        for w in self.wallets:
            for p, usd in w.positions.items():
                positions[p] = positions.get(p, 0.0) + usd
        result = self.allocator.rebalance(plan, positions, self._execute_move)
        if result.rebalanced:
            self.stats.rebalances += 1
            self.stats.events += len(result.executed)

    def _execute_move(self, move: Move) -> float:
        """Spread one allocation move over the wallets; returns the USD actually moved."""
        p, chain = move.protocol, self.world.protocols[move.protocol].chain
        per_wallet = move.target_usd / len(self.wallets)
        moved = 0.0
        for w in self.wallets:
            left = move.amount_usd - moved
            if left < MIN_WALLET_MOVE:
                break
            held = w.positions.get(p, 0.0)
            if move.action == "deposit":
                amount = round(min(per_wallet - held, left), 2)
                if amount < MIN_WALLET_MOVE:
                    continue
                if w.cash[chain] < amount:
                    self._top_up(w, chain, amount - w.cash[chain])
                amount = round(min(amount, w.cash[chain]), 2)
                if amount < MIN_WALLET_MOVE or not self._allowed("lend", p, w, amount, chain):
                    continue
                if self.chain.send(w, p, "lend", amount, "USDC").success:
                    w.cash[chain] -= amount
                    w.positions[p] = held + amount
                    moved += amount
                    self._interact(w, p)
            else:
                amount = round(min(held - per_wallet, left, held), 2)
                if amount < MIN_WALLET_MOVE or not self._allowed("withdraw", p, w, amount, chain):
                    continue
                if self.chain.send(w, p, "withdraw", amount, "USDC").success:
                    w.cash[chain] += amount
                    w.positions[p] = held - amount
                    moved += amount
            self.risk.set_exposure(p, w.address, w.positions.get(p, 0.0))
        return moved

    def _top_up(self, w: Wallet, chain: str, shortfall: float) -> None:
        """Bridge stablecoins to `chain` from wherever the wallet has the most."""
        src = max(sorted(c for c in w.cash if c != chain), key=lambda c: w.cash[c])
        amount = round(min(w.cash[src], shortfall / (1 - BRIDGE_FEE) + 0.01), 2)
        if amount >= MIN_WALLET_MOVE / 4:
            self._bridge(w, src, chain, amount)

    def _snapshot_job(self) -> None:
        snapshot_id = f"snap-{self.clock.utcnow():%Y%m%dT%H%M}"
        totals: dict[tuple[str, str], float] = {}
        for w in self.wallets:
            rows = [(c, "USDC", amt, amt, "wallet") for c, amt in sorted(w.cash.items())]
            for c, amt in sorted(w.native.items()):
                rows.append((c, self.world.chains[c].native, amt, amt * self.market.native_price(c), "wallet"))
            for p, amt in sorted(w.positions.items()):
                rows.append((self.world.protocols[p].chain, "USDC", amt, amt, p))
            for token, (c, amt) in sorted(w.tokens.items()):
                rows.append((c, token, amt, amt * self.market.prices.get(token, 0.0), "wallet"))
            for chain, token, amount, value, where in rows:
                if amount <= 0:
                    continue
                totals[(chain, token)] = totals.get((chain, token), 0.0) + value
                self._emit(
                    "portfolio_snapshot",
                    snapshot_id=snapshot_id,
                    wallet=w.address,
                    chain=chain,
                    token=token,
                    amount=dec(amount),
                    value_usd=dec(value, 2),
                    protocol=where,
                )
        for (chain, token), value in sorted(totals.items()):
            metrics.wallet_balance.set(value, chain=chain, token=token)
        metrics.portfolio_value.set(sum(totals.values()))
