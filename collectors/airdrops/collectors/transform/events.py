"""Transform: validate event lines against the event schema and shape them into warehouse frames.

Every line is parsed and checked with `airdrops.monitoring.event_schema.validate` (the single source of
truth); lines that fail, and amounts beyond numeric(38,18), become `Rejected` with the reason: whatever
a line holds, it is loaded or rejected, never an exception that stops the chunk. Valid events become
one Polars frame per event table plus `events_raw`, deduplicated on `event_id` within the chunk (the
same id with other content is a conflict, rejected). Amounts are rounded to the warehouse scale (18
decimal places, half away from zero) here, once, so both backends store the same values.

The source side of reconciliation is computed here too, from the parsed records (not the frames):
per table, the count of distinct events and the sums of its money columns.
"""

from __future__ import annotations

import json
import logging
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
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_UTC_US = pl.Datetime("us", "UTC")
#: Decimal strings the warehouse holds exactly as written (the common case: no rounding needed).
_PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,18})?\Z")
_log = logging.getLogger(__name__)


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
        if f.kind == "int" and f.int_limit > event_schema.INT64:
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


@dataclass(slots=True)
class Event:
    """A valid line: where it is, its record, and its row in its table."""

    source: str
    text: str
    record: dict[str, Any]
    table: str
    row: tuple[Any, ...]


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
    #: event_id -> the event, for the loader's conflict check against what the warehouse holds.
    events: dict[str, Event] = field(default_factory=dict)

    def without(self, conflicts: dict[str, str]) -> Batch:
        """This batch with the events `conflicts` names (event_id -> reason) moved to the rejected lines."""
        if not conflicts:
            return self
        events = {i: e for i, e in self.events.items() if i not in conflicts}
        rejected = self.rejected + [
            Rejected(self.events[i].source, self.events[i].text, reason) for i, reason in conflicts.items()
        ]
        keep = pl.col("event_id").is_in(list(events)) if events else pl.lit(False)
        return Batch(
            frames={table: frame.filter(keep) for table, frame in self.frames.items()},
            raw=self.raw.filter(keep),
            rejected=rejected,
            lines=self.lines,
            valid=self.valid - len(conflicts),
            duplicates_in_chunk=self.duplicates_in_chunk,
            source=_source_side(events.values()),
            window=self.window,
            span=self.span,
            events=events,
        )


def transform(lines: Iterable[Line]) -> Batch:
    """Validate and shape one chunk of lines."""
    rejected: list[Rejected] = []
    events: dict[str, Event] = {}
    n_lines = valid = dupes = 0
    first = last = ""
    for line in lines:
        n_lines += 1
        first = first or line.source
        last = line.source
        try:
            text, record = _parse(line)
            table = TABLES[record["type"]]
            ev = Event(line.source, text, record, table, _row(COLUMNS[table], record))
        except _Reject as exc:
            rejected.append(Rejected(line.source, line.data.decode("utf-8", "replace"), str(exc)))
            continue
        except Exception as exc:  # a case the schema does not foresee must not stop the stream either
            _log.exception("event line %s could not be read", line.source)
            rejected.append(Rejected(line.source, line.data.decode("utf-8", "replace"), f"unreadable: {exc!r}"))
            continue
        seen = events.get(record["event_id"])
        if seen is None:
            valid += 1
            events[record["event_id"]] = ev
        elif seen.record == record:
            valid += 1
            dupes += 1
        else:
            rejected.append(Rejected(line.source, text, _conflict(record["event_id"], seen.source)))
    return _batch(events, rejected, n_lines, valid, dupes, f"{first} .. {last}")


def _batch(events: dict[str, Event], rejected: list[Rejected], lines: int, valid: int, dupes: int, span: str) -> Batch:
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    raw_rows: list[tuple[Any, ...]] = []
    for event_id, ev in events.items():
        rows[ev.table].append(ev.row)
        # The payload is the record as validated, not the line: a duplicate key or a NaN the parser
        # dropped or kept must not reach the database's own JSON parser.
        payload = json.dumps(ev.record, ensure_ascii=False, separators=(",", ":"))
        raw_rows.append((event_id, ev.row[1], ev.record["type"], ev.record["bot_id"], payload))
    frames = {table: _frame(COLUMNS[table], table_rows) for table, table_rows in rows.items()}
    raw = pl.DataFrame(
        raw_rows,
        schema={"event_id": pl.String, "ts": pl.Int64, "type": pl.String, "bot_id": pl.String, "payload": pl.String},
        orient="row",
    ).with_columns(_to_utc("ts"))
    stamps = [r[1] for r in raw_rows]
    window = (_from_us(min(stamps)), _from_us(max(stamps))) if stamps else None
    return Batch(frames, raw, rejected, lines, valid, dupes, _source_side(events.values()), window, span, events)


def _source_side(events: Iterable[Event]) -> dict[str, Decimal]:
    """Per table: how many events, and the exact sums of its checked money columns."""
    source: dict[str, Decimal] = defaultdict(Decimal)
    for ev in events:
        source[f"{ev.table}.count"] += 1
        for i, col in enumerate(COLUMNS[ev.table]):
            if col.name in CHECKED_SUMS and ev.row[i] is not None:
                key = f"{ev.table}.sum({col.name})"
                source[key] = _CONTEXT.add(source[key], Decimal(ev.row[i]))  # exact: 38 digits and more
    return dict(source)


def _conflict(event_id: str, first: str) -> str:
    return f"event_id {event_id!r} reused with other content (kept: {first}); not loaded"


def conflict_with_loaded(event_id: str) -> str:
    """The reason for a line whose event_id the warehouse already holds with other content."""
    return _conflict(event_id, "the event already in the warehouse")


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
    except RecursionError:
        raise _Reject("invalid JSON: nested too deeply") from None
    problems = event_schema.validate(record)
    if problems:
        raise _Reject("; ".join(problems))
    return text, record


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
            out.append(str(value))
        else:  # int, in range: the schema checked it
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
