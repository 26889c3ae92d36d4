"""The one interface every protocol adapter implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount


class Action(StrEnum):
    """What an adapter does on chain."""

    BRIDGE = "bridge"
    SWAP = "swap"
    LEND = "lend"
    CLAIM = "claim"


@dataclass(frozen=True)
class TxOutcome:
    """The result of one adapter call: one transaction, or none if the node refused it.

    `amount` and `token` are what the action moved for the wallet (tokens received for a
    swap or a claim, tokens deposited or locked for a lend or a bridge); zero on failure.
    `error` is a short machine reason, `None` on success:

    - a revert reason from the contract, snake-cased: `"not_eligible"`, `"already_claimed"`,
      `"insufficient_balance"`, `"insufficient_allowance"`, `"slippage"`, ...;
    - `"reverted"` for a revert without a known reason;
    - `"insufficient_funds"`: the node refused the transaction, not enough native coin for gas;
    - `"rpc_error"`: the node answered the send with another JSON-RPC error;
    - `"timeout"`: sent, but no receipt in time.

    A reverted transaction was mined: `tx_hash` is set and `gas_used` and `fee_native` are real.
    `amount_in`/`token_in` are what a swap took from the wallet; `protocol_fee` (in
    `protocol_fee_token`) what the protocol kept besides gas, read from its event (a pool's swap
    fee, a bridge's fee).
    """

    tx_hash: str | None
    success: bool
    gas_used: int
    effective_gas_price_wei: int
    fee_native: Decimal
    amount: Decimal
    token: str
    error: str | None
    amount_in: Decimal | None = None
    token_in: str | None = None
    protocol_fee: Decimal | None = None
    protocol_fee_token: str | None = None


class ProtocolAdapter(ABC):
    """One action on one protocol on one chain.

    `execute` never raises for on-chain failures; it returns `TxOutcome(success=False, ...)`.
    It raises `ChainUnavailable` when the RPC endpoint cannot be reached.
    """

    name: str
    chain: str
    action: Action

    @abstractmethod
    def execute(self, wallet: LocalAccount, amount: Decimal) -> TxOutcome:
        """Send the action's transaction from `wallet` for `amount` tokens and wait for it."""
