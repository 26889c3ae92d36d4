"""Protocol adapters backed by the contracts of a deployed `World`."""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError
from web3.logs import DISCARD
from web3.types import TxParams, TxReceipt

from airdrops.monitoring import track_claim, track_tx, vocabulary
from airdrops.protocols.base import Action, ProtocolAdapter, TxOutcome
from airdrops.protocols.chain.deploy import World
from airdrops.protocols.chain.transactions import fee_fields, sign_and_send
from airdrops.protocols.errors import ChainUnavailable

# Revert reasons of the bundled contracts, snake-cased, and the claim reasons of the vocabulary (the
# distributor reverts with "not eligible", "already claimed"). Anything else is reported as
# "reverted", so `TxOutcome.error` stays a small closed set (it becomes a metric attribute).
REVERT_REASONS = frozenset(
    {
        "fee_too_high",
        "insufficient_allowance",
        "insufficient_balance",
        "insufficient_liquidity",
        "insufficient_locked",
        "insufficient_shares",
        "length_mismatch",
        "not_owner",
        "same_chain",
        "same_token",
        "slippage",
        "transfer_failed",
        "unknown_token",
        "zero_address",
        "zero_amount",
        "zero_shares",
    }
) | frozenset(vocabulary.CLAIM_REASON_NAMES)


def revert_code(message: str | None) -> str:
    """`"execution reverted: not eligible"` -> `"not_eligible"`; unknown reasons -> `"reverted"`."""
    text = (message or "").lower().removeprefix("execution reverted")
    code = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return code if code in REVERT_REASONS else vocabulary.REVERTED


@dataclass(frozen=True)
class _Call:
    fn: Any  # a bound web3 ContractFunction
    token: str  # symbol of what the action moves
    decimals: int
    #: What the wallet gives (a swap's input, a bridge's transfer): symbol and decimals, when it is a token.
    token_in: str | None = None
    decimals_in: int = 0


@dataclass(frozen=True)
class _Settled:
    """What a successful transaction's events say, in base units."""

    moved: int
    amount_in: int | None = None
    #: Kept by the protocol besides gas, in units of the call's `token_in`.
    fee: int = 0


def _to_units(amount: Decimal, decimals: int) -> int:
    if amount < 0:
        raise ValueError(f"amount must not be negative: {amount}")
    return int((amount * 10**decimals).to_integral_value(rounding=ROUND_DOWN))


def _erc20_meta(token: Contract) -> tuple[str, int]:
    return token.functions.symbol().call(), int(token.functions.decimals().call())


class ChainAdapter(ProtocolAdapter):
    """Simulate, sign, send and wait for one contract call, and report it to `track_tx`.

    A call that simulation says will revert is still sent, with `fallback_gas`, so the
    failure happens on chain and costs what it costs a real bot. `native_usd`, if given,
    is passed to telemetry to price the gas; `token_usd(symbol)`, if given, prices the fee a
    protocol keeps (read from its event).
    """

    fallback_gas = 300_000
    gas_buffer = 1.2
    receipt_timeout = 30.0

    def __init__(
        self,
        world: World,
        *,
        name: str | None = None,
        chain: str | None = None,
        native_usd: Decimal | None = None,
        token_usd: Callable[[str], Decimal | None] | None = None,
    ) -> None:
        self.world = world
        self.w3 = world.w3
        if name is not None:
            self.name = name
        self.chain = chain or world.chain
        self.native_usd = native_usd
        self.token_usd = token_usd

    def execute(self, wallet: LocalAccount, amount: Decimal) -> TxOutcome:
        """Send the action and report it; an unreachable node is reported as `rpc_error`, then raised."""
        with track_tx(chain=self.chain, protocol=self.name, action=str(self.action), wallet=wallet.address) as t:
            try:
                outcome = self._execute(wallet, Decimal(amount))
            except ChainUnavailable:
                t.set_result(success=False, error=vocabulary.RPC_ERROR)
                raise
            t.set_result(
                tx_hash=outcome.tx_hash,
                gas_used=outcome.gas_used,
                gas_price_wei=outcome.effective_gas_price_wei,
                fee_native=outcome.fee_native,
                native_usd=self.native_usd,
                amount=outcome.amount,
                token=outcome.token,
                success=outcome.success,
                error=outcome.error,
                **self._fee_fields(outcome),
            )
        return outcome

    def _fee_fields(self, outcome: TxOutcome) -> dict[str, Any]:
        """The swap input and the protocol fee for telemetry, the fee valued with `token_usd`."""
        fee, token = outcome.protocol_fee, outcome.protocol_fee_token
        price = self.token_usd(token) if fee is not None and token is not None and self.token_usd else None
        return {
            "amount_in": outcome.amount_in,
            "token_in": outcome.token_in if outcome.amount_in is not None else None,
            "protocol_fee": fee,
            "protocol_fee_token": token if fee is not None else None,
            "protocol_fee_usd": fee * price if fee is not None and price is not None else None,
        }

    @abstractmethod
    def _prepare(self, wallet: LocalAccount, amount: Decimal) -> _Call:
        """The contract call for this action."""

    @abstractmethod
    def _settle(self, receipt: TxReceipt) -> _Settled:
        """What the successful transaction moved for the wallet (and took, and kept), from its events."""

    def _execute(self, wallet: LocalAccount, amount: Decimal) -> TxOutcome:
        call = self._prepare(wallet, amount)
        sender = wallet.address
        predicted: str | None = None
        try:
            gas = int(call.fn.estimate_gas({"from": sender}) * self.gas_buffer)
        except ContractLogicError as exc:
            predicted = revert_code(exc.message)
            gas = self.fallback_gas
        tx = call.fn.build_transaction(
            {
                "from": sender,
                "nonce": self.w3.eth.get_transaction_count(sender, "pending"),
                "gas": gas,
                "chainId": self.world.chain_id,
                **fee_fields(self.w3),
            }
        )
        try:
            tx_hash = sign_and_send(self.w3, wallet, tx)
        except Web3RPCError as exc:
            insufficient = "insufficient funds" in str(exc).lower()
            error = vocabulary.INSUFFICIENT_FUNDS if insufficient else vocabulary.RPC_ERROR
            return self._not_sent(call, error)
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout, poll_latency=0.05)
        except TimeExhausted:
            return self._not_sent(call, "timeout", tx_hash=tx_hash.to_0x_hex())

        gas_used = int(receipt["gasUsed"])
        price = int(receipt["effectiveGasPrice"])
        success = receipt["status"] == 1
        settled = self._settle(receipt) if success else _Settled(0)
        in_units = Decimal(10**call.decimals_in)
        return TxOutcome(
            tx_hash=tx_hash.to_0x_hex(),
            success=success,
            gas_used=gas_used,
            effective_gas_price_wei=price,
            fee_native=Decimal(gas_used * price) / Decimal(10**18),
            amount=Decimal(settled.moved) / Decimal(10**call.decimals),
            token=call.token,
            error=None if success else predicted or self._replay_reason(tx, receipt),
            amount_in=Decimal(settled.amount_in) / in_units if settled.amount_in is not None else None,
            token_in=call.token_in,
            protocol_fee=Decimal(settled.fee) / in_units if success and call.token_in else None,
            protocol_fee_token=call.token_in,
        )

    def _replay_reason(self, tx: dict[str, Any], receipt: TxReceipt) -> str:
        # Simulation passed but the transaction reverted (the state moved in between): replay
        # it on the parent block's state, exact when the block holds only this transaction.
        call = cast(TxParams, {k: tx[k] for k in ("from", "to", "data", "gas") if k in tx})
        try:
            self.w3.eth.call(call, block_identifier=receipt["blockNumber"] - 1)
        except ContractLogicError as exc:
            return revert_code(exc.message)
        except Web3RPCError:  # e.g. "EVM error OutOfGas": the node names no revert reason
            return vocabulary.REVERTED
        return vocabulary.REVERTED

    @staticmethod
    def _not_sent(call: _Call, error: str, tx_hash: str | None = None) -> TxOutcome:
        return TxOutcome(
            tx_hash=tx_hash,
            success=False,
            gas_used=0,
            effective_gas_price_wei=0,
            fee_native=Decimal(0),
            amount=Decimal(0),
            token=call.token,
            error=error,
        )


class SwapAdapter(ChainAdapter):
    """Swap on the world's constant-product pool, USDC for the airdrop token by default.

    swap = SwapAdapter(world, slippage_bps=50)
    outcome = swap.execute(world.wallets[0], Decimal("100"))  # 100 USDC in
    outcome.amount, outcome.token  # tokens out, "AIR"
    """

    name = "swap_pool"
    action = Action.SWAP

    def __init__(
        self, world: World, *, token_in: Contract | None = None, slippage_bps: int = 50, **kwargs: Any
    ) -> None:
        super().__init__(world, **kwargs)
        self.token_in = token_in or world.stable
        if self.token_in.address == world.stable.address:
            self.token_out = world.token
        elif self.token_in.address == world.token.address:
            self.token_out = world.stable
        else:
            raise ValueError(f"{self.token_in.address} is not in the pool")
        self.slippage_bps = slippage_bps
        self._in_symbol, self._in_decimals = _erc20_meta(self.token_in)
        self._out_symbol, self._out_decimals = _erc20_meta(self.token_out)
        self._fee_bps = int(world.pool.functions.fee_bps().call())

    def _prepare(self, wallet: LocalAccount, amount: Decimal) -> _Call:
        amount_in = _to_units(amount, self._in_decimals)
        pool = self.world.pool.functions
        quote = pool.get_amount_out(self.token_in.address, amount_in).call()
        min_out = quote * (10_000 - self.slippage_bps) // 10_000
        fn = pool.swap(self.token_in.address, amount_in, min_out)
        return _Call(fn, self._out_symbol, self._out_decimals, self._in_symbol, self._in_decimals)

    def _settle(self, receipt: TxReceipt) -> _Settled:
        (event,) = self.world.pool.events.Swap().process_receipt(receipt, errors=DISCARD)
        amount_in = int(event["args"]["amount_in"])
        # The pool keeps fee_bps of the input (SwapPool._amount_out): the swap fee, in the input token.
        return _Settled(int(event["args"]["amount_out"]), amount_in, amount_in * self._fee_bps // 10_000)


class LendAdapter(ChainAdapter):
    """Deposit USDC into the world's lending vault for shares.

    LendAdapter(world).execute(world.wallets[0], Decimal("250"))
    """

    name = "lending_vault"
    action = Action.LEND

    def __init__(self, world: World, **kwargs: Any) -> None:
        super().__init__(world, **kwargs)
        self._symbol, self._decimals = _erc20_meta(world.stable)

    def _prepare(self, wallet: LocalAccount, amount: Decimal) -> _Call:
        fn = self.world.vault.functions.deposit(_to_units(amount, self._decimals))
        return _Call(fn, self._symbol, self._decimals)

    def _settle(self, receipt: TxReceipt) -> _Settled:
        (event,) = self.world.vault.events.Deposit().process_receipt(receipt, errors=DISCARD)
        return _Settled(int(event["args"]["assets"]))


class BridgeAdapter(ChainAdapter):
    """Lock tokens (USDC by default) in the world's bridge escrow for `dest_chain_id`; the escrow keeps a fee.

    BridgeAdapter(world, dest_chain_id=10).execute(world.wallets[0], Decimal("50"))
    """

    name = "bridge_escrow"
    action = Action.BRIDGE

    def __init__(self, world: World, *, dest_chain_id: int = 10, token: Contract | None = None, **kwargs: Any) -> None:
        super().__init__(world, **kwargs)
        self.dest_chain_id = dest_chain_id
        self.token = token or world.stable
        self._symbol, self._decimals = _erc20_meta(self.token)

    def _prepare(self, wallet: LocalAccount, amount: Decimal) -> _Call:
        units = _to_units(amount, self._decimals)
        fn = self.world.escrow.functions.lock(self.token.address, units, self.dest_chain_id)
        return _Call(fn, self._symbol, self._decimals, self._symbol, self._decimals)

    def _settle(self, receipt: TxReceipt) -> _Settled:
        (event,) = self.world.escrow.events.Locked().process_receipt(receipt, errors=DISCARD)
        return _Settled(int(event["args"]["amount"]), fee=int(event["args"]["fee"]))


class ClaimAdapter(ChainAdapter):
    """Claim the airdrop from the world's distributor; it pays what the owner set per wallet.

    outcome = ClaimAdapter(world).execute(world.eligible_wallets[0])
    outcome.error  # None, or "not_eligible" / "already_claimed"
    """

    name = "airdrop_distributor"
    action = Action.CLAIM

    def __init__(
        self,
        world: World,
        *,
        airdrop: str = "air-season-1",
        airdrop_token_usd: Callable[[], Decimal | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(world, **kwargs)
        self.airdrop = airdrop
        self._airdrop_usd = airdrop_token_usd
        self._symbol, self._decimals = _erc20_meta(world.token)

    def execute(self, wallet: LocalAccount, amount: Decimal = Decimal(0)) -> TxOutcome:
        """Claim for `wallet`; `amount` is ignored, the distributor decides it.

        Reported through `track_claim` (claim attempts, claimed value, the transaction metrics
        and a `claim` event), valued with `airdrop_token_usd()` when given.
        """
        with track_claim(self.chain, self.name, self.airdrop, wallet.address) as c:
            try:
                outcome = self._execute(wallet, Decimal(amount))
            except ChainUnavailable:  # the claim failed on the RPC: that is its reason, whatever raised it
                c.set_claim(success=False, reason=vocabulary.RPC_ERROR)
                raise
            price = self._airdrop_usd() if self._airdrop_usd is not None and outcome.success else None
            c.set_claim(
                success=outcome.success,
                reason=outcome.error,
                amount=outcome.amount,
                token=outcome.token,
                value_usd=outcome.amount * price if price is not None else None,
                tx_hash=outcome.tx_hash,
                gas_used=outcome.gas_used,
                gas_price_wei=outcome.effective_gas_price_wei,
                fee_native=outcome.fee_native,
                native_usd=self.native_usd,
            )
        return outcome

    def _prepare(self, wallet: LocalAccount, amount: Decimal) -> _Call:
        return _Call(self.world.distributor.functions.claim(), self._symbol, self._decimals)

    def _settle(self, receipt: TxReceipt) -> _Settled:
        (event,) = self.world.distributor.events.Claimed().process_receipt(receipt, errors=DISCARD)
        return _Settled(int(event["args"]["amount"]))
