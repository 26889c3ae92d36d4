"""The event schema: the business events bots write to their JSON-lines log.

Single source of truth for the event log's contract (DESIGN.md, contract 2). The SDK checks
events against it when they are emitted; the ETL validates every line against it and
quarantines what does not fit, with the reason `validate()` gives.

Every record has `schema`, `event_id`, `ts` (RFC 3339, UTC), `type` and `bot_id`, then the
fields of its type. Amounts are decimal strings (never floats), so no precision is lost.

What a value may hold is decided here, not by the warehouse (so both backends accept exactly the
same events): text is 1 to `MAX_TEXT` characters (`error`: `MAX_LONG_TEXT`) with no NUL and no
unpaired surrogate; decimals are ASCII (`-12.5`, `1e-9`) and not negative unless the field is
`signed`; timestamps stay within years 1-9999 once in UTC; integers fit 64 bits.

    >>> validate({"schema": SCHEMA, "event_id": "e1", "ts": "2026-01-01T00:00:00.000Z",
    ...           "type": "price", "bot_id": "b", "token": "ETH", "price_usd": "3000.5",
    ...           "source": "pool"})
    []
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

from airdrops.monitoring import vocabulary

SCHEMA = "airdrops.event/v1"

FieldKind = Literal["str", "int", "decimal", "timestamp"]

#: Longest text field, in characters: identifiers, symbols, addresses, hashes. Four bytes a character
#: at most, so any two of them fit one PostgreSQL index entry (2704 bytes).
MAX_TEXT = 256
#: Longest free-text field (`error`), which no index holds.
MAX_LONG_TEXT = 2048
INT64 = 2**63
#: Longest decimal string: far more than the warehouse's 38 digits, far less than a line can carry.
MAX_DECIMAL = 80
#: A decimal string whose digits are all zero (`-0`, `-0.00e5`): not negative.
_ZERO = re.compile(r"[+-]?0*\.?0*(?:[eE][+-]?[0-9]+)?\Z")
#: An RFC 3339 timestamp's shape, ASCII only (`fromisoformat` takes any character between date and time).
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?\Z"
)
#: A decimal string: ASCII digits only (Python's `\d` and `Decimal()` accept any script's digits).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    description: str
    required: bool = True
    values: tuple[str, ...] | None = None
    #: With `values`: what a value outside them stands for. The event and the warehouse keep the
    #: bot's text; metrics count it as this value, and so do views that classify by the field (claim
    #: reasons). Without it, such a value makes the event invalid.
    fallback: str | None = None
    #: Text fields: the most characters a value may have.
    max_length: int = MAX_TEXT
    #: Decimal and integer fields: whether a value may be negative.
    signed: bool = False
    #: Integer fields: the first value too large (64 bits by default).
    int_limit: int = INT64
    #: Text fields: a regular expression the whole value must match.
    pattern: str | None = None


_OUTCOME = vocabulary.OUTCOMES

ENVELOPE: tuple[Field, ...] = (
    Field("schema", "str", f"Schema version, `{SCHEMA}`.", values=(SCHEMA,)),
    Field("event_id", "str", "Unique id (UUID4 hex): the ETL's idempotency key."),
    Field("ts", "timestamp", "When it happened, RFC 3339 in UTC."),
    Field("type", "str", "Event type, one of the types below."),
    Field("bot_id", "str", "Identity of the bot process that wrote it."),
    Field(
        "trace_id",
        "str",
        "The OpenTelemetry trace the event was written in (32 lowercase hex digits), when tracing is on.",
        required=False,
        max_length=32,
        pattern=r"[0-9a-f]{32}",
    ),
    Field(
        "span_id",
        "str",
        "The span within that trace (16 lowercase hex digits): the job run, transaction or claim.",
        required=False,
        max_length=16,
        pattern=r"[0-9a-f]{16}",
    ),
)

_TX_COST = (
    Field("gas_used", "int", "Gas consumed (reverted transactions consume gas too).", required=False),
    Field("gas_price_wei", "int", "Effective gas price in wei.", required=False, int_limit=10**38),
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
        Field(
            "action",
            "str",
            "Protocol action (`mint`, `stake`, ... are kept as written).",
            values=vocabulary.ACTIONS,
            fallback=vocabulary.OTHER,
        ),
        Field("wallet", "str", "Sending wallet address."),
        Field("outcome", "str", "Result.", values=_OUTCOME),
        Field("tx_hash", "str", "Transaction hash, when one was sent.", required=False),
        Field("amount", "decimal", "Amount moved, in `token` units (what a swap gave back).", required=False),
        Field("token", "str", "Token moved.", required=False),
        Field("amount_in", "decimal", "What the wallet gave, in `token_in` units (a swap's input).", required=False),
        Field("token_in", "str", "Token the wallet gave (a swap's input token).", required=False),
        Field("error", "str", "Short machine reason of a failure.", required=False, max_length=MAX_LONG_TEXT),
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
        Field("value", "decimal", "Observed value.", signed=True),
        Field("limit", "decimal", "Configured limit.", signed=True),
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
    """Problems with one parsed record; an empty list means it fits the schema. Never raises."""
    if not isinstance(record, dict):
        return ["record is not a JSON object"]
    event_type = record.get("type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        return [f"unknown event type {show(event_type)}"]
    problems = []
    for name, required, check in _CHECKS[event_type]:
        value = record.get(name)
        if value is None:
            if required:
                problems.append(f"missing field {name!r}")
            continue
        problem = check(value)
        if problem:
            problems.append(f"field {name!r}: {problem}")
    if not record.keys() <= _NAMES[event_type]:
        problems.append(f"unknown fields {show(sorted(map(str, record.keys() - _NAMES[event_type])))}")
    return problems


def _checker(f: Field) -> Callable[[Any], str | None]:
    """The check of one field: a fast path for the common valid value, else the full check and its reason."""
    if f.kind == "str":
        closed = f.values if f.values is not None and f.fallback is None else None
        limit = f.max_length
        shape = re.compile(f.pattern) if f.pattern else None

        def text(value: Any) -> str | None:
            plain = type(value) is str and 0 < len(value) <= limit and value.isascii() and "\x00" not in value
            if plain and (closed is None or value in closed) and (shape is None or shape.fullmatch(value)):
                return None
            return _check_text(f, value)

        return text
    if f.kind == "decimal":

        def decimal(value: Any) -> str | None:
            plain = type(value) is str and len(value) <= MAX_DECIMAL and _DECIMAL.match(value)
            if plain and (f.signed or value[:1] != "-"):
                return None
            return _check(f, value)

        return decimal
    return partial(_check, f)


def _check(f: Field, value: Any) -> str | None:
    if f.kind == "str":
        return _check_text(f, value)
    if f.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected an integer, got {type(value).__name__}"
        if value >= f.int_limit or value < (-f.int_limit if f.signed else 0):
            return f"{show(value)} is out of range"
    elif f.kind == "decimal":
        if not isinstance(value, str):
            return f"expected a decimal string, got {type(value).__name__}"
        if len(value) > MAX_DECIMAL or not _DECIMAL.match(value):
            return f"{show(value)} is not a decimal number (ASCII digits, e.g. '12.5', at most {MAX_DECIMAL})"
        if not f.signed and value.startswith("-") and not _ZERO.match(value):
            return f"{show(value)} is negative"
    elif f.kind == "timestamp":
        if not isinstance(value, str):
            return "expected an RFC 3339 string"
        if not _TIMESTAMP.match(value):
            return f"{show(value)} is not an RFC 3339 timestamp"
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return f"{show(value)} is not an RFC 3339 timestamp"
        if parsed.tzinfo is None:
            return f"{value!r} has no time zone"
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            return f"{value!r} is outside years 1-9999 in UTC"
    return None


def _check_text(f: Field, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if not value:
        return "is empty"
    if len(value) > f.max_length:
        return f"{len(value)} characters, more than {f.max_length}"
    if f.values is not None and f.fallback is None and value not in f.values:
        return f"{show(value)} is not one of {list(f.values)}"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains an unpaired surrogate (invalid Unicode)"
    if "\x00" in value:
        return "contains a NUL character"
    if f.pattern and not re.fullmatch(f.pattern, value):
        return f"{show(value)} does not match {f.pattern}"
    return None


def show(value: Any, limit: int = 80) -> str:
    """`repr` cut to `limit` characters: reasons quote what a bot wrote without echoing kilobytes."""
    try:
        text = repr(value)
    except Exception:  # an int past Python's 4,300 digits, an object whose repr fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Event type -> (field name, required, check) for each of its fields, and the names it may hold.
_CHECKS = {t: tuple((f.name, f.required, _checker(f)) for f in fields_of(t)) for t in EVENT_TYPES}
_NAMES = {t: frozenset(f.name for f in fields_of(t)) for t in EVENT_TYPES}


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
        "## Values",
        "",
        f"- **str**: 1 to {MAX_TEXT} characters unless the field says otherwise; no NUL character, no unpaired",
        "  surrogate. An empty string is not a value: leave the field out.",
        f"- **decimal**: a JSON string of ASCII digits, at most {MAX_DECIMAL} characters (`12.5`, `-0.25`,",
        "  `1e-9`; never a JSON number, so no precision is lost); not negative unless the field says it",
        "  may be. The warehouse keeps 18 decimal places (rounded half away from zero) and 20 digits",
        "  before the point.",
        "- **int**: a JSON integer, not negative, that fits 64 bits (`gas_price_wei`: up to 38 digits).",
        "- **timestamp**: RFC 3339 (ASCII) with a time zone, within years 1-9999 once converted to UTC.",
        "- A name given twice in one line: the last value counts (as Python and PostgreSQL read JSON).",
        "- **event_id**: the idempotency key. A line whose `event_id` was already loaded with the same",
        "  content is a duplicate and loads nothing; with other content it is a conflict: quarantined with",
        "  the line that holds the id, never overwriting it.",
        "",
        "A line that breaks any of these is quarantined by the ETL with its file:line and the reason;",
        "the lines after it load as usual.",
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
            if f.kind == "str" and f.max_length != MAX_TEXT:
                kind += f", up to {f.max_length} characters"
            if f.signed:
                kind += ", may be negative"
            lines.append(f"| `{f.name}` | {kind} | {'yes' if f.required else 'no'} | {f.description} |")
    return "\n".join(lines) + "\n"
