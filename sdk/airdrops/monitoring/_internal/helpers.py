"""Domain helpers: time an operation and record its outcome in one line of bot code.

Each helper returns an `Operation`, usable as `with`, `async with` or a decorator (sync or
async). An exception marks the operation failed with `error_type` = the exception class and is
re-raised; the body can also call `op.fail(reason)`.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from airdrops.monitoring import vocabulary
from airdrops.monitoring._internal.operation import Operation
from airdrops.monitoring._internal.registry import DEFAULT, Registry

_log = logging.getLogger("airdrops.monitoring")
#: A transaction hash written without its 0x prefix.
_BARE_HASH = re.compile(r"[0-9a-fA-F]{64}")


class JobRun(Operation):
    """A scheduler job execution: `airdrops.scheduler.job.runs`, `.duration`, `.last_success`."""

    @property
    def span_name(self) -> str:
        return f"job {self.attributes['job']}"

    def _finish(self) -> None:
        job = self.attributes["job"]
        self._reg["airdrops.scheduler.job.runs"].add(1, job_name=job, outcome=self.outcome, error_type=self.error_type)
        self._reg["airdrops.scheduler.job.duration"].record(self.duration, job_name=job, outcome=self.outcome)
        if self.outcome == "success":
            when = self.ts.timestamp() if self.ts is not None else time.time()
            self._reg["airdrops.scheduler.job.last_success"].set(when, job_name=job)


class RpcCall(Operation):
    """A JSON-RPC request: `airdrops.rpc.request.duration` and `.errors`."""

    @property
    def span_name(self) -> str:
        return str(self.attributes["method"])  # OpenTelemetry's RPC client spans are named by method

    @property
    def span_attributes(self) -> dict[str, Any]:
        a = self.attributes
        return {"rpc.system.name": "jsonrpc", "rpc.method": a["method"], "airdrops.rpc.provider": a["provider"]}

    def _finish(self) -> None:
        a = self.attributes
        self._reg["airdrops.rpc.request.duration"].record(
            self.duration, provider=a["provider"], method=a["method"], outcome=self.outcome
        )
        if self.outcome == "failure":
            self._reg["airdrops.rpc.request.errors"].add(
                1, provider=a["provider"], method=a["method"], error_type=self.error_type
            )


class RiskCheck(Operation):
    """One evaluation of a risk rule; call `breach(...)` when the limit is crossed."""

    def __init__(self, registry: Registry, ts: datetime | None = None, **attributes: Any) -> None:
        super().__init__(registry, ts, **attributes)
        self.breached = False

    def breach(
        self,
        *,
        value: Decimal | float,
        limit: Decimal | float,
        protocol: str | None = None,
        wallet: str | None = None,
        severity: str = "warning",
        action_taken: str | None = None,
    ) -> None:
        """Record a breach of this rule (metric and `risk_breach` event)."""
        self.breached = True
        rule = self.attributes["rule"]
        self._reg["airdrops.risk.breaches"].add(1, rule=rule, protocol=protocol)
        self._reg.events.emit(
            "risk_breach",
            {
                "rule": rule,
                "value": value,
                "limit": limit,
                "severity": severity,
                "protocol": protocol,
                "wallet": wallet,
                "action_taken": action_taken,
            },
            self.ts,
        )

    def _finish(self) -> None:
        if self.outcome == "success":  # a check that raised did not evaluate: not a pass
            self._reg["airdrops.risk.checks"].add(
                1, rule=self.attributes["rule"], outcome="breach" if self.breached else "pass"
            )


class Rebalance(Operation):
    """A capital rebalancing round: `airdrops.capital.rebalances`."""

    def _finish(self) -> None:
        self._reg["airdrops.capital.rebalances"].add(1, outcome=self.outcome, error_type=self.error_type)


class Transaction(Operation):
    """A transaction sent to a protocol; call `set_result(...)` with its receipt.

    Records `airdrops.protocol.tx`, `.tx.duration`, gas used and cost, and writes a
    `transaction` event.
    """

    def __init__(self, registry: Registry, ts: datetime | None = None, **attributes: Any) -> None:
        super().__init__(registry, ts, **attributes)
        self.result: dict[str, Any] = {}

    @property
    def span_name(self) -> str:
        return f"transaction {self.attributes['protocol']} {self.attributes['action']}"

    def set_result(
        self,
        *,
        success: bool,
        tx_hash: str | None = None,
        gas_used: int | None = None,
        gas_price_wei: int | None = None,
        fee_native: Decimal | None = None,
        native_usd: Decimal | None = None,
        amount: Decimal | None = None,
        token: str | None = None,
        amount_in: Decimal | None = None,
        token_in: str | None = None,
        protocol_fee: Decimal | None = None,
        protocol_fee_token: str | None = None,
        protocol_fee_usd: Decimal | None = None,
        error: str | None = None,
    ) -> None:
        """What the chain said. `native_usd` (price of the native token) gives the fee in USD.

        `protocol_fee*` is what the protocol took besides gas (a pool's swap fee, a bridge's fee),
        `amount_in`/`token_in` what the wallet gave (a swap's input), `amount`/`token` what it got,
        `fee_native` the fee when gas used and price are not known, `error` why it failed. A hash
        without `0x` (`receipt.transactionHash.hex()` under hexbytes 1.x) gets it.
        """
        if isinstance(tx_hash, str) and _BARE_HASH.fullmatch(tx_hash):  # hexbytes>=1: .hex() has no 0x
            tx_hash = "0x" + tx_hash
        if fee_native is None and isinstance(gas_used, int) and isinstance(gas_price_wei, int):
            fee_native = Decimal(gas_used * gas_price_wei) / Decimal(10**18)
        fee_usd = _product(fee_native, native_usd)
        self.result = {
            "tx_hash": tx_hash,
            "gas_used": gas_used,
            "gas_price_wei": gas_price_wei,
            "fee_native": fee_native,
            "fee_usd": fee_usd,
            "amount": amount,
            "token": token,
            "amount_in": amount_in,
            "token_in": token_in,
            "protocol_fee": protocol_fee,
            "protocol_fee_token": protocol_fee_token,
            "protocol_fee_usd": protocol_fee_usd,
            "error": error,
        }
        if not success:
            self.fail(error or "failed")

    def _record_tx(self, where: dict[str, Any]) -> None:
        r = self.result
        self._reg["airdrops.protocol.tx"].add(1, **where, outcome=self.outcome, error_type=self.error_type)
        self._reg["airdrops.protocol.tx.duration"].record(self.duration, **where, outcome=self.outcome)
        if r.get("gas_used"):
            self._reg["airdrops.protocol.gas.used"].add(r["gas_used"], **where)
        if r.get("fee_native") is not None:
            self._reg["airdrops.protocol.gas.cost.native"].add(r["fee_native"], **where)
        if r.get("fee_usd") is not None:
            self._reg["airdrops.protocol.gas.cost"].add(r["fee_usd"], **where)
        if r.get("protocol_fee_usd") is not None:
            self._reg["airdrops.protocol.fees"].add(r["protocol_fee_usd"], **where)

    def _finish(self) -> None:
        a, r = self.attributes, self.result
        where = {"chain": a["chain"], "protocol": a["protocol"], "action": a["action"]}
        self._record_tx(where)
        error = r.get("error") or (self.error_type if self.outcome == "failure" else None)
        self._reg.events.emit(
            "transaction",
            {**where, "wallet": a.get("wallet") or "unknown", "outcome": self.outcome, **r, "error": error},
            self.ts,
        )


class Claim(Transaction):
    """An airdrop claim; `set_claim(...)` gives its result: success, the `reason` it failed
    (`vocabulary.CLAIM_REASONS`), the amount, token and USD value, and any keyword of `set_result`.

    Records `airdrops.claim.attempts`, `airdrops.claim.value` and the transaction metrics,
    and writes a `claim` event.
    """

    @property
    def span_name(self) -> str:
        return f"claim {self.attributes['airdrop']}"

    def set_claim(
        self,
        *,
        success: bool,
        reason: str | None = None,
        amount: Decimal | None = None,
        token: str | None = None,
        value_usd: Decimal | None = None,
        **tx: Any,
    ) -> None:
        """The claim's result: `tx` takes the same keywords as `set_result`."""
        self.set_result(success=success, amount=amount, token=token, error=reason, **tx)
        self.result["value_usd"] = value_usd

    def _finish(self) -> None:
        a, r = self.attributes, self.result
        where = {"chain": a["chain"], "protocol": a["protocol"], "airdrop": a["airdrop"]}
        # The event keeps the bot's own reason; the metric counts it in the taxonomy (unknown: `other`).
        reason = vocabulary.NONE if self.outcome == "success" else (r.get("error") or self.error_type)
        canonical = vocabulary.claim_reason(self.outcome, reason)
        self._reg["airdrops.claim.attempts"].add(1, **where, outcome=self.outcome, reason=canonical)
        if self.outcome == "success" and r.get("value_usd") is not None:
            self._reg["airdrops.claim.value"].add(float(r["value_usd"]), **where)
        self._record_tx({"chain": a["chain"], "protocol": a["protocol"], "action": "claim"})
        self._reg.events.emit(
            "claim",
            {
                **where,
                "wallet": a.get("wallet") or "unknown",
                "outcome": self.outcome,
                "reason": reason or canonical,
                "amount": r.get("amount"),
                "token": r.get("token"),
                "value_usd": r.get("value_usd"),
                "tx_hash": r.get("tx_hash"),
                "gas_used": r.get("gas_used"),
                "gas_price_wei": r.get("gas_price_wei"),
                "fee_native": r.get("fee_native"),
                "fee_usd": r.get("fee_usd"),
                "protocol_fee": r.get("protocol_fee"),
                "protocol_fee_token": r.get("protocol_fee_token"),
                "protocol_fee_usd": r.get("protocol_fee_usd"),
            },
            self.ts,
        )


def declare_protocol(
    chain: str, protocol: str, actions: tuple[str, ...] | list[str], *, registry: Registry = DEFAULT
) -> None:
    """Start a protocol's transaction, gas and fee counters at 0, before its first transaction.

    A counter series that appears with its first increment already at 1 loses that increment to
    Prometheus' `rate()` and `increase()` (they only see differences between scrapes). Declared at
    start-up, the series are scraped at 0 first, so totals over a time range match the event log.
    Failed transactions carry an open `error_type` and cannot be declared ahead.
    """
    for action in actions:
        where = {"chain": chain, "protocol": protocol, "action": action}
        registry["airdrops.protocol.tx"].add(0, **where, outcome=vocabulary.SUCCESS)
        for name in ("airdrops.protocol.gas.used", "airdrops.protocol.gas.cost.native",
                     "airdrops.protocol.gas.cost", "airdrops.protocol.fees"):  # fmt: skip
            registry[name].add(0, **where)


def declare_airdrop(chain: str, protocol: str, airdrop: str, *, registry: Registry = DEFAULT) -> None:
    """Start an airdrop's claim counters at 0 for every outcome and reason (see `declare_protocol`)."""
    where = {"chain": chain, "protocol": protocol, "airdrop": airdrop}
    attempts = registry["airdrops.claim.attempts"]
    attempts.add(0, **where, outcome=vocabulary.SUCCESS, reason=vocabulary.NONE)
    for reason in vocabulary.CLAIM_REASON_NAMES:
        if reason != vocabulary.NONE:
            attempts.add(0, **where, outcome=vocabulary.FAILURE, reason=reason)
    registry["airdrops.claim.value"].add(0, **where)
    declare_protocol(chain, protocol, ("claim",), registry=registry)


def track_job(job: str, *, ts: datetime | None = None, registry: Registry = DEFAULT) -> JobRun:
    """Time a scheduler job: `with track_job("claim-all"): ...` or `@track_job("claim-all")`.

    `ts` is the run's start time when a virtual clock drives the scheduler (default: now).
    """
    return JobRun(registry, ts, job=job)


def rpc_call(provider: str, method: str, *, registry: Registry = DEFAULT) -> RpcCall:
    """Time a JSON-RPC request by provider name (never its URL) and method."""
    return RpcCall(registry, None, provider=provider, method=method)


def risk_check(rule: str, *, ts: datetime | None = None, registry: Registry = DEFAULT) -> RiskCheck:
    """Evaluate a risk rule: `with risk_check("max_drawdown") as c: if dd > lim: c.breach(...)`."""
    return RiskCheck(registry, ts, rule=rule)


def track_rebalance(*, registry: Registry = DEFAULT) -> Rebalance:
    """Time a capital rebalancing round and record its outcome."""
    return Rebalance(registry, None)


def track_tx(
    chain: str,
    protocol: str,
    action: str,
    wallet: str | None = None,
    *,
    ts: datetime | None = None,
    registry: Registry = DEFAULT,
) -> Transaction:
    """Send a transaction: `with track_tx("base", "uniswap", "swap", w) as t: ...; t.set_result(...)`.

    `ts` stamps the event with a given time instead of now (simulations, backfills).
    """
    return Transaction(registry, ts, chain=chain, protocol=protocol, action=action, wallet=wallet)


def track_claim(
    chain: str,
    protocol: str,
    airdrop: str,
    wallet: str | None = None,
    *,
    ts: datetime | None = None,
    registry: Registry = DEFAULT,
) -> Claim:
    """Claim an airdrop: `with track_claim(...) as c: ...; c.set_claim(success=..., amount=...)`."""
    return Claim(registry, ts, chain=chain, protocol=protocol, airdrop=airdrop, wallet=wallet)


def _product(a: Any, b: Any) -> Decimal | None:
    """a * b as an exact Decimal, or None when either is missing or not a number (never raises)."""
    if a is None or b is None:
        return None
    try:
        return Decimal(str(a)) * Decimal(str(b))
    except (ArithmeticError, ValueError, TypeError):
        return None
