"""The bulk path of the event transform: the lines of a chunk that plainly fit, decoded and shaped at once.

msgspec decodes each line into a struct generated from the event schema: types, required fields,
closed value sets, lengths, patterns and unknown fields are checked in C. The columns are then built
and converted with Polars (decimals, the timestamp), not row by row. This path may only be stricter
than the schema, never looser: it takes decimals that need no rounding, timestamps in UTC (`Z`) with
at most microseconds, no `null`, no `\\u0000`, no event_id seen twice in the chunk. Every other line is
handed back to the per-line path (`transform.events`), which decides with `event_schema.validate` and
gives the reason. tests/collectors/test_transform_bulk.py feeds both paths the same lines and
compares what they make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

import msgspec
import polars as pl

from airdrops.collectors.extract.events import Line
from airdrops.monitoring import event_schema

#: A decimal numeric(38,18) holds once rounded to 18 places, and that rounding cannot push past 20 digits
#: before the point: up to 20 digits with at most 18 places, or up to 19 digits with more places.
_PLAIN = r"[0-9]{1,20}(?:\.[0-9]{1,18})?|[0-9]{1,19}\.[0-9]{19,}"
_UNSIGNED = f"^(?:{_PLAIN})\\Z"
_SIGNED = f"^-?(?:{_PLAIN})\\Z"
#: RFC 3339 in UTC with at most microseconds, years 1000-9999: what the SDK writes. Hours, minutes and
#: seconds are bounded here (Polars would take a leap second, Python does not); a day that does not
#: exist comes out null from Polars and goes back too.
_UTC = (
    r"^[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?Z\Z"
)
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
_MAX_INT = event_schema.INT64 - 1
#: Bytes that send a line to the per-line path: an explicit null (the payload would drop it) or a NUL.
_SLOW_BYTES = (b"null", b"\\u0000")


def _annotation(f: event_schema.Field) -> Any:
    """The msgspec type of one field: as strict as the schema's check, or stricter."""
    if f.kind == "str":
        if f.values is not None and f.fallback is None:
            return Literal[f.values]
        pattern = f"^(?:{f.pattern})\\Z" if f.pattern else None
        return Annotated[str, msgspec.Meta(min_length=1, max_length=f.max_length, pattern=pattern)]
    if f.kind == "int":  # 64 bits here; a larger wei amount takes the per-line path
        return Annotated[int, msgspec.Meta(ge=-_MAX_INT if f.signed else 0, le=_MAX_INT)]
    if f.kind == "decimal":
        pattern = _SIGNED if f.signed else _UNSIGNED
        return Annotated[str, msgspec.Meta(max_length=event_schema.MAX_DECIMAL, pattern=pattern)]
    return Annotated[str, msgspec.Meta(pattern=_UTC)]


def _struct(event_type: str) -> type[msgspec.Struct]:
    required: list[Any] = []
    optional: list[Any] = []
    for f in event_schema.fields_of(event_type):
        if f.name == "type":
            continue  # the tag
        if f.required:
            required.append((f.name, _annotation(f)))
        else:
            optional.append((f.name, _annotation(f) | None, None))
    return msgspec.defstruct(
        f"_{event_type}",
        required + optional,
        tag_field="type",
        tag=event_type,
        forbid_unknown_fields=True,
        omit_defaults=True,
        kw_only=True,
    )


STRUCTS: dict[str, type[msgspec.Struct]] = {t: _struct(t) for t in event_schema.EVENT_TYPES}
_TAGS: dict[type, str] = {struct: t for t, struct in STRUCTS.items()}
_DECODER = msgspec.json.Decoder(Union[tuple(STRUCTS.values())])  # noqa: UP007 (a runtime union of classes)
_STAGED = {"str": pl.String, "int": pl.Int64, "wei": pl.Int64, "decimal": pl.String, "timestamp": pl.String}


@dataclass
class Decoded:
    """The lines the bulk path took, per event type (chunk indexes and structs), and the indexes it left."""

    by_type: dict[str, tuple[list[int], list[Any]]]
    slow: list[int]


def decode(lines: Sequence[Line]) -> Decoded:
    """Decode every line that plainly fits; the others' indexes go to `slow`."""
    by_type: dict[str, tuple[list[int], list[Any]]] = {t: ([], []) for t in STRUCTS}
    slow: list[int] = []
    decode_one = _DECODER.decode
    for i, line in enumerate(lines):
        data = line.data
        if line.truncated or _SLOW_BYTES[0] in data or _SLOW_BYTES[1] in data:
            slow.append(i)
            continue
        try:
            event = decode_one(data)
        except (msgspec.ValidationError, msgspec.DecodeError):
            slow.append(i)
            continue
        indexes, events = by_type[_TAGS[type(event)]]
        indexes.append(i)
        events.append(event)
    return Decoded(by_type, slow)


def frame(event_type: str, indexes: list[int], events: list[Any], columns: Sequence[Any]) -> pl.DataFrame:
    """One table's rows from its structs, with `_line` (the chunk index), `_type`, `_payload` (the event as
    JSON) and `_bad`: a timestamp that does not exist (the 30th of February), for the per-line path."""
    encode = msgspec.json.encode
    data = {c.name: pl.Series(c.name, [getattr(e, c.field) for e in events], dtype=_STAGED[c.kind]) for c in columns}
    data["_line"] = pl.Series("_line", indexes, dtype=pl.Int64)
    data["_type"] = pl.Series("_type", [event_type] * len(events), dtype=pl.String)
    data["_payload"] = pl.Series("_payload", [encode(e) for e in events], dtype=pl.Binary).cast(pl.String)
    stamps = [c.name for c in columns if c.kind == "timestamp"]
    parsed = {
        name: pl.col(name).str.to_datetime(_UTC_FORMAT, time_unit="us", time_zone="UTC", strict=False)
        for name in stamps
    }
    bad = pl.lit(False)
    for name, expr in parsed.items():
        bad = bad | (pl.col(name).is_not_null() & expr.is_null())
    return pl.DataFrame(data).with_columns(
        *(_rounded(c.name) for c in columns if c.kind == "decimal"),
        *(pl.col(c.name).cast(c.dtype) for c in columns if c.kind == "wei"),
        *(expr.alias(name) for name, expr in parsed.items()),
        bad.alias("_bad"),
    )


_SCALED = pl.Decimal(38, 18)  # numeric(38,18): transform.events.SCALE
_ULP = pl.lit("0.000000000000000001").cast(_SCALED)


def _rounded(name: str) -> pl.Expr:
    """A decimal column rounded to 18 places, half away from zero (as `transform.events` does; Polars'
    own cast rounds half to even)."""
    text = pl.col(name)
    head = text.str.extract(r"^(-?[0-9]+(?:\.[0-9]{1,18})?)", 1).cast(_SCALED)
    up = text.str.extract(r"\.[0-9]{18}([0-9])", 1).cast(pl.Int8).fill_null(0) >= 5
    step = pl.when(text.str.starts_with("-")).then(-_ULP).otherwise(_ULP)
    return pl.when(up).then(head + step).otherwise(head).alias(name)
