"""The live reference bot: farms the local chain's protocols on a schedule, under risk limits.

One process: `configure()` once, a chain (the local anvil node unless an RPC URL is given),
the protocol adapters, the risk manager, the allocator and the scheduler's jobs. Everything it
reports goes through the public SDK, like any user's bot.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from airdrops import monitoring
from airdrops.capital_allocation import Allocator, Move, Opportunity
from airdrops.monitoring import metrics
from airdrops.monitoring.vocabulary import BOT_JOB
from airdrops.protocols import (
    BridgeAdapter,
    ChainAdapter,
    ChainUnavailable,
    ClaimAdapter,
    LendAdapter,
    LocalNode,
    SwapAdapter,
    World,
    deploy_world,
    make_web3,
)
from airdrops.risk_management import RiskLimits, RiskManager
from airdrops.scheduler import RealClock, Scheduler

_log = logging.getLogger("airdrops.bot")
ETH_USD = Decimal(3000)  # the local chain has no oracle: the native token is priced by config
USDC = Decimal(10**6)
AIR = Decimal(10**18)


@dataclass
class LiveConfig:
    wallets: int = 5
    duration: float = 120.0
    rpc_url: str | None = None
    #: Provider label of RPC metrics; default: the RPC URL's host name (`local` for the node started here).
    rpc_provider: str | None = None
    metrics_port: int | None = None
    metrics_host: str | None = None
    events_dir: str | None = None
    bot_id: str | None = None
    seed: int = 7
    #: Seconds between farming actions; the other jobs run at multiples of it.
    tick: float = 2.0
    #: Tries to reach the chain at start (waits doubling from 0.5 s up to 8 s) before giving up.
    startup_attempts: int = 5
    limits: RiskLimits = field(
        default_factory=lambda: RiskLimits(
            max_exposure_per_protocol_usd=30_000,
            max_exposure_per_wallet_usd=15_000,
            max_drawdown=0.25,
            max_daily_gas_usd=500,
        )
    )


@dataclass
class LiveSummary:
    metrics_url: str | None = None
    events_path: str | None = None
    rpc_url: str = ""
    transactions: int = 0
    failed_transactions: int = 0
    claims_succeeded: int = 0
    claims_failed: int = 0
    gas_used: int = 0
    refused_by_risk: int = 0
    chain_errors: int = 0
    portfolio_usd: float = 0.0


class LiveBot:
    """The jobs of the reference bot over one deployed `World`."""

    def __init__(self, world: World, config: LiveConfig, summary: LiveSummary) -> None:
        self.world = world
        self.config = config
        self.summary = summary
        self.rng = random.Random(config.seed)
        self.risk = RiskManager(config.limits)
        self.allocator = Allocator(config.limits, reserve_ratio=0.2, drift_threshold=0.1)
        self.swap = SwapAdapter(world, native_usd=ETH_USD, token_usd=self.token_usd)
        self.lend = LendAdapter(world, native_usd=ETH_USD, token_usd=self.token_usd)
        self.bridge = BridgeAdapter(world, native_usd=ETH_USD, token_usd=self.token_usd)
        self.claim = ClaimAdapter(world, native_usd=ETH_USD, token_usd=self.token_usd, airdrop_token_usd=self.air_price)
        self.farm_adapters: list[ChainAdapter] = [self.swap, self.lend, self.bridge]
        # Every counter a total is read from starts at 0 before the first scrape (see declare_protocol).
        for adapter in self.farm_adapters:
            monitoring.declare_protocol(adapter.chain, adapter.name, (str(adapter.action),))
        monitoring.declare_airdrop(self.claim.chain, self.claim.name, self.claim.airdrop)
        self._farm_cycle = itertools.cycle([(w, a) for w in world.wallets for a in self.farm_adapters])
        self._claim_cycle = itertools.cycle(world.wallets)

    # --- prices and positions -------------------------------------------------------------

    def token_usd(self, symbol: str) -> Decimal | None:
        """USD price of a token the bot holds: the stablecoin at par, AIR from the pool, ETH by config."""
        return {"USDC": lambda: Decimal(1), "AIR": self.air_price, "ETH": lambda: ETH_USD}.get(symbol, lambda: None)()

    def air_price(self) -> Decimal:
        """USDC per airdrop token, from the pool's reserves."""
        pool = self.world.pool.functions
        token0 = pool.token0().call()
        r0, r1 = Decimal(pool.reserve0().call()), Decimal(pool.reserve1().call())
        stable, token = (r0, r1) if token0 == self.world.stable.address else (r1, r0)
        return (stable / USDC) / (token / AIR) if token else Decimal(0)

    def positions(self, price: Decimal | None = None) -> dict[tuple[str, str], Decimal]:
        """USD held per (protocol, wallet): the vault, the bridge escrow, and airdrop tokens at `price`."""
        price = self.air_price() if price is None else price
        bridged = self._bridged()
        out: dict[tuple[str, str], Decimal] = {}
        for w in self.world.wallets:
            a = w.address
            out[(self.lend.name, a)] = Decimal(self.world.vault.functions.assets_of(a).call()) / USDC
            out[(self.bridge.name, a)] = bridged.get(a, Decimal(0))
            out[(self.swap.name, a)] = Decimal(self.world.token.functions.balanceOf(a).call()) / AIR * price
        return out

    def _bridged(self) -> dict[str, Decimal]:
        """USDC each wallet sent over the bridge (still its capital, now on the destination chain): one log query."""
        logs = self.world.escrow.events.Locked().get_logs(
            from_block=0, argument_filters={"token": self.world.stable.address}
        )
        out: dict[str, Decimal] = {}
        for log in logs:
            sender = log["args"]["sender"]
            out[sender] = out.get(sender, Decimal(0)) + Decimal(int(log["args"]["amount"])) / USDC
        return out

    # --- jobs -------------------------------------------------------------------------------

    def farm(self) -> None:
        wallet, adapter = next(self._farm_cycle)
        amount = Decimal(self.rng.randrange(20, 200))
        if Decimal(self.world.stable.functions.balanceOf(wallet.address).call()) / USDC < amount:
            return  # nothing to farm with: a real bot checks before paying gas for a revert
        decision = self.risk.allows(
            str(adapter.action), adapter.name, wallet.address, float(amount), chain=adapter.chain
        )
        if not decision.allowed:
            self.summary.refused_by_risk += 1
            _log.info("risk refused %s on %s: %s", adapter.action, adapter.name, decision.reason)
            return
        self._count(adapter.execute(wallet, amount))

    def claim_next(self) -> None:
        """Claim for the next wallet that has not claimed yet (ineligible ones keep failing, as in life)."""
        wallet = next(self._claim_cycle)
        if self.world.distributor.functions.claimed(wallet.address).call():
            return
        if not self.risk.allows("claim", self.claim.name, wallet.address, 0).allowed:
            self.summary.refused_by_risk += 1
            return
        outcome = self._count(self.claim.execute(wallet))
        if outcome.success:
            self.summary.claims_succeeded += 1
        else:
            self.summary.claims_failed += 1

    def prices(self) -> None:
        monitoring.emit("price", token="AIR", price_usd=self.air_price(), source="swap_pool")
        monitoring.emit("price", token="ETH", price_usd=ETH_USD, source="config")

    def portfolio(self) -> None:
        snapshot = f"{int(time.time() * 1000):x}"
        price = self.air_price()
        positions = self.positions(price)
        total = Decimal(0)
        for w in self.world.wallets:
            a = w.address
            holdings = {
                "ETH": (Decimal(self.world.w3.eth.get_balance(a)) / AIR, ETH_USD),
                "USDC": (Decimal(self.world.stable.functions.balanceOf(a).call()) / USDC, Decimal(1)),
                "AIR": (Decimal(self.world.token.functions.balanceOf(a).call()) / AIR, price),
            }
            for token, (amount, usd) in holdings.items():
                value = amount * usd
                total += value
                metrics.wallet_balance.set(float(value), chain=self.world.chain, token=token, wallet=a)
                monitoring.emit(
                    "portfolio_snapshot",
                    snapshot_id=snapshot,
                    wallet=a,
                    chain=self.world.chain,
                    token=token,
                    amount=amount,
                    value_usd=value,
                    protocol="wallet",
                )
            for protocol in (self.lend.name, self.bridge.name):
                value = positions[(protocol, a)]
                total += value
                monitoring.emit(
                    "portfolio_snapshot",
                    snapshot_id=snapshot,
                    wallet=a,
                    chain=self.world.chain,
                    token="USDC",
                    amount=value,
                    value_usd=value,
                    protocol=protocol,
                )
        metrics.portfolio_value.set(float(total))
        self.summary.portfolio_usd = float(total)
        self.risk.update_portfolio(float(total))
        self.risk.set_positions({k: float(v) for k, v in positions.items()})

    def evaluate_risk(self) -> None:
        self.risk.evaluate()

    def rebalance(self) -> None:
        by_protocol: dict[str, float] = {}
        for (protocol, _), usd in self.positions().items():
            if protocol != self.swap.name:
                by_protocol[protocol] = by_protocol.get(protocol, 0.0) + float(usd)
        capital = sum(
            float(Decimal(self.world.stable.functions.balanceOf(w.address).call()) / USDC) for w in self.world.wallets
        ) + sum(by_protocol.values())
        # Capital goes where it can be deposited (and earns); swaps are farming activity, not allocation.
        plan = self.allocator.plan(
            capital,
            [
                Opportunity(self.lend.name, 900, 10_000, chain=self.world.chain),
                Opportunity(self.bridge.name, 600, 10_000, chain=self.world.chain),
            ],
        )
        self.allocator.rebalance(plan, by_protocol, execute=self._move)

    def _move(self, move: Move, max_txs: int = 4) -> float:
        """Deposit through the protocol's adapter, from the wallets holding most USDC; returns USD moved."""
        adapter = {a.name: a for a in self.farm_adapters}.get(move.protocol)
        if adapter is None or move.action != "deposit":
            return 0.0  # the reference adapters only deposit; a withdrawal stays planned (and is reported)
        stable = self.world.stable.functions
        wallets = sorted(self.world.wallets, key=lambda w: -stable.balanceOf(w.address).call())[:max_txs]
        moved = Decimal(0)
        for wallet in wallets:
            left = Decimal(str(move.amount_usd)) - moved
            amount = min(left, Decimal(stable.balanceOf(wallet.address).call()) / USDC * Decimal("0.9"))
            amount = amount.quantize(Decimal("0.01"))
            if amount < 1:
                break
            if not self.risk.allows(str(adapter.action), adapter.name, wallet.address, float(amount)).allowed:
                self.summary.refused_by_risk += 1
                continue
            if self._count(adapter.execute(wallet, amount)).success:
                moved += amount
        return float(moved)

    def _count(self, outcome: Any) -> Any:
        self.summary.transactions += 1
        self.summary.gas_used += outcome.gas_used
        if not outcome.success:
            self.summary.failed_transactions += 1
        return outcome

    def schedule(self, scheduler: Scheduler) -> None:
        t = self.config.tick
        for name, func, every in (
            ("farm", self.farm, 1),
            ("claim", self.claim_next, 3),
            ("prices", self.prices, 5),
            ("portfolio", self.portfolio, 5),
            ("risk", self.evaluate_risk, 5),
            ("rebalance", self.rebalance, 15),
        ):
            scheduler.add_job(
                name, self._guard(func), interval=every * t, max_retries=2, backoff_base=t / 2, backoff_cap=every * t
            )

    def _guard(self, func: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                func()
            except ChainUnavailable:
                self.summary.chain_errors += 1
                raise  # the scheduler records the failure and retries with backoff

        return run


@contextlib.contextmanager
def chain(config: LiveConfig) -> Iterator[str]:
    """The RPC URL to use: the given one, or a local anvil node started for the run."""
    if config.rpc_url:
        yield config.rpc_url
        return
    with LocalNode() as node:
        yield node.url


def _deploy(w3: Any, config: LiveConfig, shown_url: str | None) -> Any:
    """Deploy the contracts, retrying with backoff while the chain cannot be reached."""
    import tenacity

    def warn(state: tenacity.RetryCallState) -> None:
        assert state.outcome is not None and state.next_action is not None
        _log.warning(
            "chain at %s unavailable (%s); retry %d in %.1fs",
            shown_url,
            state.outcome.exception(),
            state.attempt_number,
            state.next_action.sleep,
        )

    for attempt in tenacity.Retrying(
        stop=tenacity.stop_after_attempt(config.startup_attempts),
        wait=tenacity.wait_exponential(multiplier=0.5, max=8),
        retry=tenacity.retry_if_exception_type(ChainUnavailable),
        before_sleep=warn,
        reraise=True,
    ):
        with attempt:
            return deploy_world(w3, config.wallets, config.seed, wallet_eth=Decimal(2))
    raise AssertionError("unreachable: tenacity re-raises the last error")


def run(config: LiveConfig, on_tick: Callable[[LiveSummary, float], None] | None = None) -> LiveSummary:
    """Run the live bot for `config.duration` seconds (0: until stopped; Ctrl-C stops it early); returns what it did."""
    handle = monitoring.configure(
        BOT_JOB,
        bot_id=config.bot_id,
        port=config.metrics_port,
        host=config.metrics_host,
        events_dir=config.events_dir,
    )
    summary = LiveSummary(metrics_url=handle.metrics_url)
    with chain(config) as url:
        summary.rpc_url = monitoring.redact_url(url)
        provider = config.rpc_provider or (monitoring.provider_name(url) if config.rpc_url else "local")
        w3 = make_web3(url, provider_name=provider)
        world = _deploy(w3, config, summary.rpc_url)
        bot = LiveBot(world, config, summary)
        scheduler = Scheduler(RealClock(), rng=random.Random(config.seed))
        bot.schedule(scheduler)
        start = time.monotonic()
        try:
            forever = config.duration <= 0  # a service: runs until SIGTERM or Ctrl-C
            while forever or (elapsed := time.monotonic() - start) < config.duration:
                scheduler.run_for(1.0 if forever else min(1.0, config.duration - elapsed))
                if on_tick is not None:
                    on_tick(summary, time.monotonic() - start)
        except KeyboardInterrupt:
            _log.info("interrupted: stopping")
        finally:
            handle.flush()
            summary.events_path = str(handle.events_path) if handle.events_path else None
    return summary
