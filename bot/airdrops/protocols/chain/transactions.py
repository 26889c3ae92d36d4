"""Sign locally and send EIP-1559 transactions."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.types import TxReceipt


def fee_fields(w3: Web3) -> dict[str, int]:
    """`maxFeePerGas` (twice the latest base fee plus tip) and `maxPriorityFeePerGas`."""
    base_fee = int(w3.eth.get_block("latest")["baseFeePerGas"])
    tip = int(w3.eth.max_priority_fee)
    return {"maxFeePerGas": 2 * base_fee + tip, "maxPriorityFeePerGas": tip}


def sign_and_send(w3: Web3, account: LocalAccount, tx: dict[str, Any]) -> HexBytes:
    """Sign `tx` (complete: nonce, gas, fees, chainId) with `account` and send it raw."""
    signed = account.sign_transaction({"type": 2, "from": account.address, **tx})
    return w3.eth.send_raw_transaction(signed.raw_transaction)


class Batch:
    """Send many transactions from a few accounts with locally tracked nonces, then wait for all.

    For setup work that must succeed: `wait()` raises if any transaction reverted.
    """

    def __init__(self, w3: Web3, chain_id: int, *, gas: int = 300_000) -> None:
        self.w3 = w3
        self.chain_id = chain_id
        self.gas = gas
        self.fees = fee_fields(w3)
        self._nonces: dict[str, int] = {}
        self._sent: list[tuple[HexBytes, str]] = []

    def call(self, account: LocalAccount, fn: Any, *, gas: int | None = None, label: str = "") -> HexBytes:
        """Send contract function call `fn` (a bound `ContractFunction`) from `account`."""
        tx = fn.build_transaction(self._fields(account, gas))
        return self._send(account, tx, label or fn.fn_name)

    def deploy(self, account: LocalAccount, contract: Any, *args: Any, gas: int = 3_000_000) -> HexBytes:
        """Send a deployment of `contract` (a Web3 contract factory) with constructor `args`."""
        tx = contract.constructor(*args).build_transaction(self._fields(account, gas))
        return self._send(account, tx, "deploy")

    def wait(self, timeout: float = 30.0) -> list[TxReceipt]:
        """Receipts of everything sent so far, in order; raises if one reverted."""
        receipts = []
        for tx_hash, label in self._sent:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.02)
            if receipt["status"] != 1:
                raise RuntimeError(f"setup transaction {label} reverted: {tx_hash.to_0x_hex()}")
            receipts.append(receipt)
        self._sent.clear()
        return receipts

    def _fields(self, account: LocalAccount, gas: int | None) -> dict[str, Any]:
        if account.address not in self._nonces:
            self._nonces[account.address] = self.w3.eth.get_transaction_count(account.address, "pending")
        nonce = self._nonces[account.address]
        self._nonces[account.address] = nonce + 1
        return {
            "from": account.address,
            "nonce": nonce,
            "gas": gas or self.gas,
            "chainId": self.chain_id,
            **self.fees,
        }

    def _send(self, account: LocalAccount, tx: dict[str, Any], label: str) -> HexBytes:
        tx_hash = sign_and_send(self.w3, account, tx)
        self._sent.append((tx_hash, label))
        return tx_hash
