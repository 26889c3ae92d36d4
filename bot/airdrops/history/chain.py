"""Simulated transactions: gas, failures and receipts, recorded through the SDK like real ones."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from airdrops import monitoring
from airdrops.history.market import Market
from airdrops.history.state import Stats, Wallet
from airdrops.history.world import AirdropSpec, World
from airdrops.monitoring import vocabulary as v
from airdrops.risk_management import RiskManager
from airdrops.scheduler import VirtualClock

_CLAIM_GAS = (78_000, 6_000)
_CLAIM_REVERT_GAS = (42_000, 3_000)
_CLAIM_REVERT_RATE = 0.03
#: Seconds the bot waits before giving up on an RPC that does not answer.
_RPC_TIMEOUT = 5.0


def dec(value: float, places: int = 6) -> Decimal:
    """A float as a Decimal with `places` decimals, for event fields."""
    return Decimal(f"{value:.{places}f}")


@dataclass(frozen=True)
class Receipt:
    success: bool
    error: str | None
    fee_usd: float


@dataclass(frozen=True)
class Trade:
    """What a mined swap or bridge does besides gas: what it gives back, takes and keeps as a fee."""

    amount: float
    token: str
    amount_in: float | None = None
    token_in: str | None = None
    fee: float = 0.0
    fee_token: str | None = None
    fee_usd: float = 0.0


class SimChain:
    """Sends transactions on the simulated chains: no node, same telemetry as the live bot."""

    def __init__(
        self, world: World, market: Market, clock: VirtualClock, rng: random.Random, risk: RiskManager, stats: Stats
    ) -> None:
        self._world = world
        self._market = market
        self._clock = clock
        self._rng = rng
        self._risk = risk
        self._stats = stats
        #: Chain name -> virtual time until which its RPC endpoint is down.
        self.outages: dict[str, float] = {}

    def now_dt(self) -> datetime:
        return self._clock.utcnow()

    def send(
        self,
        wallet: Wallet,
        protocol: str,
        action: str,
        amount: float,
        token: str,
        chain: str | None = None,
        trade: Trade | None = None,
    ) -> Receipt:
        """One transaction; returns what the receipt said. Gas is paid from the wallet's native coin.

        `trade`, for a swap or a bridge, is what the transaction does once mined (output, input and the
        protocol's fee), reported instead of `amount` and `token` when it succeeds.
        """
        spec = self._world.protocols[protocol]
        chain = chain or spec.chain
        gas_used, price_wei, fee = self._gas(chain, spec.gas[action])
        error: str | None = None
        if self._rpc_fails(chain):
            error = v.RPC_ERROR
        elif wallet.native[chain] < fee:
            error = v.INSUFFICIENT_FUNDS
        elif self._rng.random() < spec.revert_rate:
            error = v.REVERTED
            gas_used = int(gas_used * self._rng.uniform(0.3, 0.7))
            fee = gas_used * price_wei / 1e18
        mined = error is None or error == v.REVERTED
        tx_hash = self._hash() if mined else None
        self._clock.sleep(self._world.chains[chain].block_time if mined else _RPC_TIMEOUT)
        fee_usd = self._pay(wallet, chain, fee) if mined else 0.0
        done = trade if trade is not None and error is None else None
        with monitoring.track_tx(chain, protocol, action, wallet.address, ts=self.now_dt()) as tx:
            tx.set_result(
                success=error is None,
                tx_hash=tx_hash,
                gas_used=gas_used if mined else None,
                gas_price_wei=price_wei if mined else None,
                native_usd=dec(self._market.native_price(chain)) if mined else None,
                amount=dec(done.amount if done else amount),
                token=done.token if done else token,
                error=error,
                **(_trade_fields(done) if done else {}),
            )
        self._count(action, error, gas_used if mined else 0, fee_usd)
        if done:
            self._stats.fees_usd += done.fee_usd
        return Receipt(error is None, error, fee_usd)

    def claim(self, wallet: Wallet, airdrop: AirdropSpec, entitled: float, congestion: float = 0.0) -> str:
        """Claim `airdrop` for `wallet`, entitled to `entitled` tokens (0: not eligible).

        Returns `"none"` on success, else the failure reason. `congestion` adds to the chance of an
        RPC error (everyone claims at the opening). An RPC error can hide a claim that did go
        through; the retry then reverts with `already_claimed`.
        """
        protocol = self._world.protocols[airdrop.protocol]
        chain = protocol.chain
        gas_used, price_wei, fee = self._gas(chain, _CLAIM_GAS)
        reason = v.NONE
        if self._rpc_fails(chain, congestion):
            reason = v.RPC_ERROR
            if entitled > 0 and airdrop.id not in wallet.claimed_on_chain and self._rng.random() < 0.5:
                wallet.claimed_on_chain.add(airdrop.id)  # it was broadcast and mined after all
                wallet.tokens[airdrop.token] = (chain, entitled)
                wallet.native[chain] -= fee
        elif wallet.native[chain] < fee:
            reason = v.INSUFFICIENT_FUNDS
        elif entitled <= 0 or airdrop.id in wallet.claimed_on_chain or self._rng.random() < _CLAIM_REVERT_RATE:
            if entitled <= 0:
                reason = v.NOT_ELIGIBLE
            elif airdrop.id in wallet.claimed_on_chain:
                reason = v.ALREADY_CLAIMED
            else:
                reason = v.REVERTED
            gas_used, price_wei, fee = self._gas(chain, _CLAIM_REVERT_GAS, price_wei)
        mined = reason not in (v.RPC_ERROR, v.INSUFFICIENT_FUNDS)
        tx_hash = self._hash() if mined else None
        self._clock.sleep(self._world.chains[chain].block_time if mined else _RPC_TIMEOUT)
        fee_usd = self._pay(wallet, chain, fee) if mined else 0.0
        amount = value = None
        if reason == v.NONE:
            wallet.tokens[airdrop.token] = (chain, entitled)
            wallet.claimed_on_chain.add(airdrop.id)
            price = self._market.prices[airdrop.token]
            amount, value = dec(entitled), dec(entitled * price, 2)
            self._stats.claimed_usd += entitled * price
        with monitoring.track_claim(chain, protocol.name, airdrop.id, wallet.address, ts=self.now_dt()) as c:
            c.set_claim(
                success=reason == v.NONE,
                reason=None if reason == v.NONE else reason,
                amount=amount,
                token=airdrop.token,
                value_usd=value,
                tx_hash=tx_hash,
                gas_used=gas_used if mined else None,
                gas_price_wei=price_wei if mined else None,
                native_usd=dec(self._market.native_price(chain)) if mined else None,
            )
        self._stats.claims[reason if reason != v.NONE else v.SUCCESS] += 1
        self._count("claim", None if reason == v.NONE else reason, gas_used if mined else 0, fee_usd)
        return reason

    def _gas(self, chain: str, profile: tuple[int, int], price_wei: int | None = None) -> tuple[int, int, float]:
        mean, sd = profile
        gas_used = max(21_000, int(self._rng.gauss(mean, sd)))
        if price_wei is None:
            gwei = self._market.gas_gwei[chain] * self._rng.uniform(0.97, 1.06)
            price_wei = max(1, int(gwei * 1e9))
        return gas_used, price_wei, gas_used * price_wei / 1e18

    def _rpc_fails(self, chain: str, extra: float = 0.0) -> bool:
        down = self.outages.get(chain, 0.0) > self._clock.now()
        return down or self._rng.random() < self._world.chains[chain].rpc_error_rate + extra

    def _pay(self, wallet: Wallet, chain: str, fee_native: float) -> float:
        wallet.native[chain] -= fee_native
        fee_usd = fee_native * self._market.native_price(chain)
        self._risk.record_gas(fee_usd)
        return fee_usd

    def _hash(self) -> str:
        return f"0x{self._rng.getrandbits(256):064x}"

    def _count(self, action: str, error: str | None, gas_used: int, fee_usd: float) -> None:
        if action != "claim":  # claims are counted by outcome in `Stats.claims`
            self._stats.tx[action] += 1
            if error is not None:
                self._stats.tx_failed[error] += 1
        self._stats.gas_used += gas_used
        self._stats.gas_usd += fee_usd
        self._stats.events += 1


def _trade_fields(trade: Trade) -> dict[str, object]:
    return {
        "amount_in": dec(trade.amount_in) if trade.amount_in is not None else None,
        "token_in": trade.token_in,
        "protocol_fee": dec(trade.fee) if trade.fee_token else None,
        "protocol_fee_token": trade.fee_token,
        "protocol_fee_usd": dec(trade.fee_usd) if trade.fee_token else None,
    }
