"""Transform: validate event lines against the event schema and shape them into warehouse frames.

Most lines take the bulk path (`transform.bulk`: decoded into structs generated from the schema, shaped
column by column). Whatever it does not plainly accept is read here one line at a time and checked with
`airdrops.monitoring.event_schema.validate` (the single source of truth); lines that fail, and amounts
beyond numeric(38,18), become `Rejected` with the reason: whatever a line holds, it is loaded or
rejected, never an exception that stops the chunk. Valid events become one Polars frame per event table
plus `events_raw`, deduplicated on `event_id` within the chunk (the same id with other content is a
conflict, rejected). Amounts are rounded to the warehouse scale (18 decimal places, half away from
zero) here, once, so both backends store the same values.

The source side of reconciliation is computed here too, from the frames: per table, the count of
distinct events and the exact sums of its money columns.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import polars as pl

from airdrops.collectors.extract.events import Line
from airdrops.collectors.transform import bulk
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
_TYPES = {table: t for t, table in TABLES.items()}
_RAW_STAGED = {"event_id": pl.String, "ts": pl.Int64, "type": pl.String, "bot_id": pl.String, "payload": pl.String,
               "_line": pl.Int64}  # fmt: skip
_RAW_FROM_BULK = (
    "event_id",
    "ts",
    pl.col("_type").alias("type"),
    "bot_id",
    pl.col("_payload").alias("payload"),
    "_line",
)
_LOCATED = {"event_id": pl.String, "index": pl.Int64}
_NO_IDS = pl.DataFrame(schema={"event_id": pl.String, "_line": pl.Int64, "_bad": pl.Boolean})


@dataclass(slots=True)
class Event:
    """A valid line the per-line path read: where it is, its record, and its row in its table."""

    index: int
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
    #: The chunk's lines, and (event_id, index in them) of every event, for conflicts with the warehouse.
    chunk: Sequence[Line] = ()
    located: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_LOCATED))

    def lines_of(self, event_ids: Iterable[str]) -> dict[str, Line]:
        """The line each of `event_ids` was read from."""
        found = self.located.filter(pl.col("event_id").is_in(list(event_ids)))
        return {event_id: self.chunk[index] for event_id, index in found.iter_rows()}

    def without(self, conflicts: dict[str, str]) -> Batch:
        """This batch with the events `conflicts` names (event_id -> reason) moved to the rejected lines."""
        if not conflicts:
            return self
        lines = self.lines_of(conflicts)
        rejected = self.rejected + [
            Rejected(lines[i].source, lines[i].data.decode("utf-8", "replace"), reason)
            for i, reason in conflicts.items()
        ]
        keep = ~pl.col("event_id").is_in(list(conflicts))
        frames = {table: frame.filter(keep) for table, frame in self.frames.items()}
        return Batch(
            frames=frames,
            raw=self.raw.filter(keep),
            rejected=rejected,
            lines=self.lines,
            valid=self.valid - len(conflicts),
            duplicates_in_chunk=self.duplicates_in_chunk,
            source=_source_side(frames),
            window=self.window,
            span=self.span,
            chunk=self.chunk,
            located=self.located.filter(keep),
        )


def transform(chunk: Iterable[Line], *, in_bulk: bool = True) -> Batch:
    """Validate and shape one chunk of lines: in bulk where a line plainly fits, else (or with
    `in_bulk=False`, which tests compare against) one by one."""
    lines = list(chunk)
    decoded = bulk.decode(lines) if in_bulk else bulk.Decoded({}, list(range(len(lines))))
    fast = {TABLES[t]: bulk.frame(t, idx, evs, COLUMNS[TABLES[t]]) for t, (idx, evs) in decoded.by_type.items() if idx}
    fast_ids = pl.concat([f.select("event_id", "_line", "_bad") for f in fast.values()]) if fast else _NO_IDS
    # Back to the per-line path: a timestamp that does not exist, an event_id the bulk path saw twice,
    # and an event_id the per-line path also holds (so the first line of an id wins, as one by one).
    slow = set(decoded.slow) | set(fast_ids.filter(pl.col("_bad") | pl.col("event_id").is_duplicated())["_line"])
    per_line = _per_line(lines, sorted(slow))
    clash = set(fast_ids.filter(pl.col("event_id").is_in(list(per_line.events)))["_line"]) - slow
    if clash:
        slow |= clash
        per_line = _per_line(lines, sorted(slow))
    taken = {table: f.filter(~pl.col("_line").is_in(list(slow))) for table, f in fast.items()}
    raw = pl.concat([*(f.select(*_RAW_FROM_BULK) for f in taken.values()), _raw(per_line.events.values())]).sort(
        "_line"
    )
    frames = _merge(taken, _frames(per_line.events.values()))
    window = (raw["ts"].min(), raw["ts"].max()) if raw.height else None
    span = f"{lines[0].source} .. {lines[-1].source}" if lines else " .. "
    return Batch(
        frames=frames,
        raw=raw.drop("_line"),
        rejected=per_line.rejected,
        lines=len(lines),
        valid=sum(f.height for f in taken.values()) + per_line.valid,
        duplicates_in_chunk=per_line.duplicates,
        source=_source_side(frames),
        window=window,  # type: ignore[arg-type]
        span=span,
        chunk=lines,
        located=raw.select("event_id", pl.col("_line").alias("index")),
    )


@dataclass
class _PerLine:
    events: dict[str, Event]
    rejected: list[Rejected]
    valid: int = 0
    duplicates: int = 0


def _per_line(lines: Sequence[Line], indexes: list[int]) -> _PerLine:
    """The lines at `indexes`, one by one with `event_schema.validate`: valid, duplicate, or rejected with why."""
    out = _PerLine({}, [])
    for i in indexes:
        line = lines[i]
        try:
            text, record = _parse(line)
            table = TABLES[record["type"]]
            ev = Event(i, line.source, text, record, table, _row(COLUMNS[table], record))
        except _Reject as exc:
            out.rejected.append(Rejected(line.source, line.data.decode("utf-8", "replace"), str(exc)))
            continue
        except Exception as exc:  # a case the schema does not foresee must not stop the stream either
            _log.exception("event line %s could not be read", line.source)
            out.rejected.append(Rejected(line.source, line.data.decode("utf-8", "replace"), f"unreadable: {exc!r}"))
            continue
        seen = out.events.get(record["event_id"])
        if seen is None:
            out.valid += 1
            out.events[record["event_id"]] = ev
        elif seen.record == record:
            out.valid += 1
            out.duplicates += 1
        else:
            out.rejected.append(Rejected(line.source, text, _conflict(record["event_id"], seen.source)))
    return out


def _frames(events: Iterable[Event]) -> dict[str, pl.DataFrame]:
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for ev in events:
        rows[ev.table].append((*ev.row, ev.index))
    return {table: _frame(COLUMNS[table], table_rows) for table, table_rows in rows.items()}


def _raw(events: Iterable[Event]) -> pl.DataFrame:
    # The payload is the record as validated, not the line: a duplicate key or a NaN the parser
    # dropped or kept must not reach the database's own JSON parser.
    rows = [
        (e.record["event_id"], e.row[1], e.record["type"], e.record["bot_id"],
         json.dumps(e.record, ensure_ascii=False, separators=(",", ":")), e.index)
        for e in events
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=_RAW_STAGED, orient="row").with_columns(_to_utc("ts"))


def _merge(bulk_frames: dict[str, pl.DataFrame], line_frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Per table, the rows of both paths in the chunk's line order (the bulk path's helper columns dropped)."""
    out = {}
    for table in TABLES.values():
        names = [c.name for c in COLUMNS[table]]
        parts = [f.select(*names, "_line") for f in (bulk_frames.get(table), line_frames.get(table))
                 if f is not None and f.height]  # fmt: skip
        if parts:
            out[table] = pl.concat(parts).sort("_line").drop("_line")
    return out


def _source_side(frames: dict[str, pl.DataFrame]) -> dict[str, Decimal]:
    """Per table: how many events, and the exact sums of its checked money columns."""
    source: dict[str, Decimal] = {}
    for table, frame in frames.items():
        source[f"{table}.count"] = Decimal(frame.height)
        for name in frame.columns:
            if name in CHECKED_SUMS:
                source[f"{table}.sum({name})"] = _exact_sum(frame[name])
    return source


def _exact_sum(column: pl.Series) -> Decimal:
    try:
        total = column.sum()  # exact in 128 bits
    except pl.exceptions.ComputeError:  # past 38 digits: Python's decimals, with room to spare
        total = sum((v for v in column.to_list() if v is not None), start=Decimal(0))
        return _CONTEXT.plus(total) if isinstance(total, Decimal) else Decimal(total)
    return Decimal(total or 0)


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
              for c in columns} | {"_line": pl.Int64}  # fmt: skip
    frame = pl.DataFrame(rows, schema=staged, orient="row")
    return frame.with_columns(
        *(pl.col(c.name).cast(c.dtype) for c in columns if isinstance(c.dtype, pl.Decimal)),
        *(_to_utc(c.name) for c in columns if c.kind == "timestamp"),
    )


def _to_utc(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
