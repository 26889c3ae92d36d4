"""The event schema: the business events bots write to their JSON-lines log.

Single source of truth for the event log's contract (DESIGN.md, contract 2). The SDK checks
events against it when they are emitted; the ETL validates every line against it and
quarantines what does not fit, with the reason `validate()` gives.

Every record has `schema`, `event_id`, `ts` (RFC 3339, UTC), `type` and `bot_id`, then the
fields of its type. Amounts are decimal strings (never floats), so no precision is lost.

    >>> validate({"schema": SCHEMA, "event_id": "e1", "ts": "2026-01-01T00:00:00.000Z",
    ...           "type": "price", "bot_id": "b", "token": "ETH", "price_usd": "3000.5",
    ...           "source": "pool"})
    []
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from airdrops.monitoring import vocabulary

SCHEMA = "airdrops.event/v1"

FieldKind = Literal["str", "int", "decimal", "timestamp"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    description: str
    required: bool = True
    values: tuple[str, ...] | None = None
    #: With `values`: what a value outside them stands for. The event keeps the bot's text and
    #: readers (metrics, the warehouse's views) count it as this value; without it, such a value
    #: makes the event invalid.
    fallback: str | None = None


_OUTCOME = vocabulary.OUTCOMES

ENVELOPE: tuple[Field, ...] = (
    Field("schema", "str", f"Schema version, `{SCHEMA}`.", values=(SCHEMA,)),
    Field("event_id", "str", "Unique id (UUID4 hex): the ETL's idempotency key."),
    Field("ts", "timestamp", "When it happened, RFC 3339 in UTC."),
    Field("type", "str", "Event type, one of the types below."),
    Field("bot_id", "str", "Identity of the bot process that wrote it."),
)

_TX_COST = (
    Field("gas_used", "int", "Gas consumed (reverted transactions consume gas too).", required=False),
    Field("gas_price_wei", "int", "Effective gas price in wei.", required=False),
    Field("fee_native", "decimal", "Fee in the chain's native token.", required=False),
    Field("fee_usd", "decimal", "Fee in USD at the time.", required=False),
    Field(
        "protocol_fee",
        "decimal",
        "Fee the protocol took besides gas (a pool's swap fee, a bridge's fee), in `protocol_fee_token` units.",
        required=False,
    ),
    Field("protocol_fee_token", "str", "Token the protocol fee was paid in.", required=False),
    Field("protocol_fee_usd", "decimal", "The protocol fee in USD at the time.", required=False),
)

EVENT_TYPES: dict[str, tuple[Field, ...]] = {
    "transaction": (
        Field("chain", "str", "Chain name."),
        Field("protocol", "str", "Protocol."),
        Field("action", "str", "Protocol action.", values=("bridge", "swap", "lend", "withdraw", "claim", "approve")),
        Field("wallet", "str", "Sending wallet address."),
        Field("outcome", "str", "Result.", values=_OUTCOME),
        Field("tx_hash", "str", "Transaction hash, when one was sent.", required=False),
        Field("amount", "decimal", "Amount moved, in `token` units (what a swap gave back).", required=False),
        Field("token", "str", "Token moved.", required=False),
        Field("amount_in", "decimal", "What the wallet gave, in `token_in` units (a swap's input).", required=False),
        Field("token_in", "str", "Token the wallet gave (a swap's input token).", required=False),
        Field("error", "str", "Short machine reason of a failure.", required=False),
        *_TX_COST,
    ),
    "claim": (
        Field("chain", "str", "Chain name."),
        Field("protocol", "str", "Protocol running the airdrop."),
        Field("airdrop", "str", "Airdrop campaign identifier."),
        Field("wallet", "str", "Claiming wallet address."),
        Field("outcome", "str", "Result.", values=_OUTCOME),
        Field(
            "reason",
            "str",
            "Why it failed (`none` on success): the claim taxonomy of `airdrops.monitoring.vocabulary`.",
            required=False,
            values=vocabulary.CLAIM_REASON_NAMES,
            fallback=vocabulary.OTHER,
        ),
        Field("amount", "decimal", "Tokens received.", required=False),
        Field("token", "str", "Airdrop token symbol.", required=False),
        Field("value_usd", "decimal", "Value received, in USD at claim time.", required=False),
        Field("tx_hash", "str", "Transaction hash.", required=False),
        *_TX_COST,
    ),
    "allocation": (
        Field("protocol", "str", "Protocol receiving or returning capital."),
        Field("action", "str", "What changed.", values=("deposit", "withdraw", "plan")),
        Field("amount_usd", "decimal", "Capital moved (or planned), in USD."),
        Field("target_usd", "decimal", "Capital the plan assigns to the protocol, in USD.", required=False),
        Field("chain", "str", "Chain name.", required=False),
        Field("wallet", "str", "Wallet address.", required=False),
    ),
    "risk_breach": (
        Field("rule", "str", "Risk rule that was breached."),
        Field("value", "decimal", "Observed value."),
        Field("limit", "decimal", "Configured limit."),
        Field("severity", "str", "How bad.", values=("warning", "critical")),
        Field("protocol", "str", "Protocol concerned.", required=False),
        Field("wallet", "str", "Wallet concerned.", required=False),
        Field("action_taken", "str", "What the bot did about it, e.g. `kill_switch`.", required=False),
    ),
    "portfolio_snapshot": (
        Field("snapshot_id", "str", "Groups the holdings of one snapshot."),
        Field("wallet", "str", "Wallet address."),
        Field("chain", "str", "Chain name."),
        Field("token", "str", "Token symbol."),
        Field("amount", "decimal", "Tokens held."),
        Field("value_usd", "decimal", "Value in USD at snapshot time."),
        Field("protocol", "str", "Protocol position, `wallet` for plain holdings.", required=False),
    ),
    "price": (
        Field("token", "str", "Token symbol."),
        Field("price_usd", "decimal", "Price in USD."),
        Field("source", "str", "Where the price came from."),
    ),
}


def fields_of(event_type: str) -> tuple[Field, ...]:
    return ENVELOPE + EVENT_TYPES[event_type]


def validate(record: Any) -> list[str]:
    """Problems with one parsed record; an empty list means it fits the schema."""
    if not isinstance(record, dict):
        return ["record is not a JSON object"]
    event_type = record.get("type")
    if event_type not in EVENT_TYPES:
        return [f"unknown event type {event_type!r}"]
    problems = []
    specs = fields_of(event_type)
    for f in specs:
        value = record.get(f.name)
        if value is None:
            if f.required:
                problems.append(f"missing field {f.name!r}")
            continue
        problem = _check(f, value)
        if problem:
            problems.append(f"field {f.name!r}: {problem}")
    unknown = set(record) - {f.name for f in specs}
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    return problems


def _check(f: Field, value: Any) -> str | None:
    if f.kind == "str":
        if not isinstance(value, str):
            return f"expected a string, got {type(value).__name__}"
        if f.values is not None and f.fallback is None and value not in f.values:
            return f"{value!r} is not one of {list(f.values)}"
    elif f.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected an integer, got {type(value).__name__}"
    elif f.kind == "decimal":
        if not isinstance(value, str):
            return f"expected a decimal string, got {type(value).__name__}"
        try:
            if not Decimal(value).is_finite():
                return f"{value!r} is not finite"
        except InvalidOperation:
            return f"{value!r} is not a decimal number"
    elif f.kind == "timestamp":
        if not isinstance(value, str):
            return "expected an RFC 3339 string"
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not an RFC 3339 timestamp"
        if parsed.tzinfo is None:
            return f"{value!r} has no time zone"
    return None


def to_json() -> str:
    return json.dumps(
        {
            "schema": SCHEMA,
            "envelope": [f.__dict__ for f in ENVELOPE],
            "types": {t: [f.__dict__ for f in fs] for t, fs in EVENT_TYPES.items()},
        },
        indent=2,
    )


def to_markdown() -> str:
    lines = [
        "# Event schema",
        "",
        f"Schema version `{SCHEMA}`. Generated from `airdrops.monitoring.event_schema`;",
        "do not edit by hand.",
        "",
        "## Envelope (every event)",
        "",
        "| Field | Kind | Description |",
        "|---|---|---|",
    ]
    lines += [f"| `{f.name}` | {f.kind} | {f.description} |" for f in ENVELOPE]
    for t, fs in EVENT_TYPES.items():
        lines += ["", f"## `{t}`", "", "| Field | Kind | Required | Description |", "|---|---|---|---|"]
        for f in fs:
            kind = f.kind + (" (" + "/".join(f.values) + ")" if f.values else "")
            if f.fallback:
                kind += f"; any other value counts as `{f.fallback}`"
            lines.append(f"| `{f.name}` | {kind} | {'yes' if f.required else 'no'} | {f.description} |")
    return "\n".join(lines) + "\n"
