"""Transform: validate event lines against the event schema and shape them into warehouse frames.

Every line is parsed and checked with `airdrops.monitoring.event_schema.validate` (the single source of
truth); lines that fail, and values the warehouse cannot hold (amounts beyond numeric(38,18), NUL
characters), become `Rejected` with the reason. Valid events become one Polars frame per event table
plus `events_raw`, deduplicated on `event_id` within the chunk. Amounts are rounded to the warehouse
scale (18 decimal places, half away from zero) here, once, so both backends store the same values.

The source side of reconciliation is computed here too, from the parsed records (not the frames):
per table, the count of distinct events and the sums of its money columns.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import polars as pl

from airdrops.collectors.extract.events import Line
from airdrops.collectors.warehouse.bookkeeping import Rejected
from airdrops.monitoring import event_schema

#: Event type -> warehouse table.
TABLES: dict[str, str] = {
    "transaction": "transactions",
    "claim": "claims",
    "allocation": "allocations",
    "risk_breach": "risk_breaches",
    "portfolio_snapshot": "portfolio_snapshots",
    "price": "prices",
}
#: Event fields stored under another column name (`limit` is a reserved word in SQL).
RENAMED: dict[str, str] = {"limit": "limit_value"}
#: Money columns whose sums are reconciled, where a table has them.
CHECKED_SUMS = ("fee_usd", "value_usd", "amount_usd", "price_usd")
RAW_TABLE = "events_raw"
RAW_COLUMNS = ("event_id", "ts", "type", "bot_id", "payload")

SCALE = 18
_QUANTUM = Decimal(1).scaleb(-SCALE)
_CONTEXT = Context(prec=60)  # quantize needs room for 20 + 18 digits and more
_MAX_DECIMAL = Decimal(10) ** (38 - SCALE)
_MAX_WEI = Decimal(10) ** 38
_MAX_BIGINT = 2**63
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_UTC_US = pl.Datetime("us", "UTC")
#: Decimal strings the warehouse holds exactly as written (the common case: no rounding needed).
_PLAIN_DECIMAL = re.compile(r"-?\d{1,20}(?:\.\d{1,18})?\Z")


class _Reject(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    name: str
    field: str
    kind: str  # str | int | wei | decimal | timestamp
    dtype: Any


def _columns(event_type: str) -> tuple[Column, ...]:
    cols = [
        Column("event_id", "event_id", "str", pl.String),
        Column("ts", "ts", "timestamp", _UTC_US),
        Column("bot_id", "bot_id", "str", pl.String),
    ]
    for f in event_schema.EVENT_TYPES[event_type]:
        kind: str = f.kind
        if f.name == "gas_price_wei":
            kind = "wei"
        dtype = {
            "str": pl.String,
            "int": pl.Int64,
            "wei": pl.Decimal(38, 0),
            "decimal": pl.Decimal(38, SCALE),
            "timestamp": _UTC_US,
        }[kind]
        cols.append(Column(RENAMED.get(f.name, f.name), f.name, kind, dtype))
    return tuple(cols)


#: Table -> its columns, derived from the event schema (a test checks them against the migrations).
COLUMNS: dict[str, tuple[Column, ...]] = {table: _columns(t) for t, table in TABLES.items()}


@dataclass
class Batch:
    """One chunk, transformed: frames to load, rejected lines, and the source side of reconciliation."""

    frames: dict[str, pl.DataFrame]
    raw: pl.DataFrame
    rejected: list[Rejected]
    lines: int
    valid: int
    duplicates_in_chunk: int
    #: check name (`claims.count`, `claims.sum(fee_usd)`) -> value in the source.
    source: dict[str, Decimal] = field(default_factory=dict)
    window: tuple[datetime, datetime] | None = None
    #: First and last line, `file:line .. file:line`, for messages.
    span: str = ""


def transform(lines: Iterable[Line]) -> Batch:
    """Validate and shape one chunk of lines."""
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    raw_rows: list[tuple[Any, ...]] = []
    rejected: list[Rejected] = []
    source: dict[str, Decimal] = defaultdict(Decimal)
    seen: set[str] = set()
    n_lines = valid = dupes = 0
    ts_min = ts_max = None
    first = last = ""
    for line in lines:
        n_lines += 1
        first = first or line.source
        last = line.source
        try:
            text, record = _parse(line)
            table = TABLES[record["type"]]
            row = _row(COLUMNS[table], record)
        except _Reject as exc:
            rejected.append(Rejected(line.source, line.data.decode("utf-8", "replace"), str(exc)))
            continue
        valid += 1
        event_id = record["event_id"]
        if event_id in seen:
            dupes += 1
            continue
        seen.add(event_id)
        ts = row[1]
        ts_min = ts if ts_min is None or ts < ts_min else ts_min
        ts_max = ts if ts_max is None or ts > ts_max else ts_max
        rows[table].append(row)
        raw_rows.append((event_id, ts, record["type"], record["bot_id"], text))
        source[f"{table}.count"] += 1
        for i, col in enumerate(COLUMNS[table]):
            if col.name in CHECKED_SUMS and row[i] is not None:
                key = f"{table}.sum({col.name})"
                source[key] = _CONTEXT.add(source[key], Decimal(row[i]))  # exact: 38 digits and more
    frames = {table: _frame(COLUMNS[table], table_rows) for table, table_rows in rows.items()}
    raw = pl.DataFrame(
        raw_rows,
        schema={"event_id": pl.String, "ts": pl.Int64, "type": pl.String, "bot_id": pl.String, "payload": pl.String},
        orient="row",
    ).with_columns(_to_utc("ts"))
    window = (_from_us(ts_min), _from_us(ts_max)) if ts_min is not None and ts_max is not None else None
    return Batch(frames, raw, rejected, n_lines, valid, dupes, dict(source), window, f"{first} .. {last}")


def source_checks(table: str) -> list[str]:
    """The reconciliation checks a table takes part in, in a stable order."""
    return [f"{table}.count"] + [f"{table}.sum({c.name})" for c in COLUMNS[table] if c.name in CHECKED_SUMS]


def _parse(line: Line) -> tuple[str, dict[str, Any]]:
    if line.truncated:
        raise _Reject("incomplete last line: the file was closed before the line was finished")
    try:
        text = line.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Reject(f"not valid UTF-8: {exc}") from None
    if not text.strip():
        raise _Reject("empty line")
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise _Reject(f"invalid JSON: {exc}") from None
    problems = event_schema.validate(record)
    if problems:
        raise _Reject("; ".join(problems))
    if "\\u" in text:
        _check_storable(record)
    return text, record


def _check_storable(record: dict[str, Any]) -> None:
    for key, value in record.items():
        if isinstance(value, str):
            if "\x00" in value:
                raise _Reject(f"field {key!r}: contains a NUL character, which the warehouse cannot store")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _Reject(f"field {key!r}: contains an unpaired surrogate (invalid Unicode)") from None


def _row(columns: tuple[Column, ...], record: dict[str, Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for col in columns:
        value = record.get(col.field)
        if value is None or col.kind == "str":
            out.append(value)
        elif col.kind == "decimal":
            out.append(value if _PLAIN_DECIMAL.match(value) else _decimal(col, value))
        elif col.kind == "timestamp":
            out.append((datetime.fromisoformat(value) - _EPOCH) // _MICRO)
        elif col.kind == "wei":
            if not 0 <= value < _MAX_WEI:
                raise _Reject(f"field {col.field!r}: {value} is out of range for numeric(38,0)")
            out.append(str(value))
        else:  # int
            if not -_MAX_BIGINT <= value < _MAX_BIGINT:
                raise _Reject(f"field {col.field!r}: {value} is out of range for bigint")
            out.append(value)
    return tuple(out)


def _decimal(col: Column, value: str) -> str:
    """Round to the warehouse scale (half away from zero), or reject what numeric(38,18) cannot hold."""
    d = Decimal(value)
    q = d.quantize(_QUANTUM, rounding=ROUND_HALF_UP, context=_CONTEXT) if abs(d) < _MAX_DECIMAL else d
    if abs(q) >= _MAX_DECIMAL:
        raise _Reject(f"field {col.field!r}: {value} is out of range for numeric(38,{SCALE})")
    return format(q, "f")


def _frame(columns: tuple[Column, ...], rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    staged = {c.name: (pl.String if isinstance(c.dtype, pl.Decimal) else pl.Int64 if c.kind == "timestamp" else c.dtype)
              for c in columns}  # fmt: skip
    frame = pl.DataFrame(rows, schema=staged, orient="row")
    return frame.with_columns(
        *(pl.col(c.name).cast(c.dtype) for c in columns if isinstance(c.dtype, pl.Decimal)),
        *(_to_utc(c.name) for c in columns if c.kind == "timestamp"),
    )


def _to_utc(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _from_us(us: int) -> datetime:
    return _EPOCH + us * _MICRO
