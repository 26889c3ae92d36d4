"""The bulk path of the event transform against the per-line path: for the same lines, the same frames,
the same rejected lines with the same reasons, the same counts and sums. The values are drawn where
the two paths meet: decimals around 18 places and 20 digits, timestamps that do or do not exist,
ids seen twice, and the near-valid events of the property tests."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings, strategies as st

from airdrops.collectors.extract.events import Line
from airdrops.collectors.transform import bulk
from airdrops.collectors.transform.events import Batch, transform
from airdrops.monitoring import event_schema
from tests.collectors.cases import event
from tests.collectors.test_events_property import near_valid_events

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=22)
DECIMALS = st.builds(
    lambda sign, whole, frac: f"{sign}{whole}{'.' + frac if frac else ''}",
    st.sampled_from(["", "", "", "-"]),
    st.sampled_from(["0", "7", "12", "9" * 19, "9" * 20]) | DIGITS,
    st.text(alphabet="0123456789", max_size=24)
    | st.sampled_from(["5", "0" * 18 + "5", "1" * 17 + "25", "9" * 18 + "5", "1" + "0" * 30]),
)
TIMESTAMPS = st.builds(
    lambda y, mo, d, h, mi, s, frac, zone: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{zone}",
    st.integers(1, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 24), st.integers(0, 60),
    st.integers(0, 61), st.sampled_from(["", ".5", ".123", ".123456", ".1234567", ".000000001"]),
    st.sampled_from(["Z", "Z", "z", "+00:00", "-01:30", ""]),
)  # fmt: skip
IDS = st.sampled_from(["a", "b", "c"]) | st.uuids().map(lambda u: u.hex)


@st.composite
def edge_events(draw: st.DrawFn) -> str:
    """A claim, price or risk breach with its money, timestamp and id drawn from the edges."""
    kind = draw(st.sampled_from(["claim", "price", "risk_breach"]))
    money = {"claim": ["fee_usd", "value_usd", "amount"], "price": ["price_usd"], "risk_breach": ["value", "limit"]}
    record = event(kind, event_id=draw(IDS))
    if draw(st.booleans()):
        record["ts"] = draw(TIMESTAMPS)
    for name in money[kind]:
        if draw(st.booleans()):
            record[name] = draw(DECIMALS)
    if kind == "claim" and draw(st.booleans()):
        record["gas_price_wei"] = draw(st.integers(0, 10**39))
    return json.dumps(record)


def _lines(items: list[str]) -> list[Line]:
    return [Line("f.jsonl", i, x.encode("utf-8", "surrogatepass")) for i, x in enumerate(items, 1)]


def _same(fast: Batch, slow: Batch) -> None:
    assert (fast.lines, fast.valid, fast.duplicates_in_chunk) == (slow.lines, slow.valid, slow.duplicates_in_chunk)
    assert [(r.source, r.reason) for r in fast.rejected] == [(r.source, r.reason) for r in slow.rejected]
    assert fast.frames.keys() == slow.frames.keys()
    for table, frame in fast.frames.items():
        assert frame.equals(slow.frames[table]), table
    assert fast.raw.drop("payload").equals(slow.raw.drop("payload"))
    assert [json.loads(p) for p in fast.raw["payload"]] == [json.loads(p) for p in slow.raw["payload"]]
    assert fast.source == slow.source
    assert fast.window == slow.window
    assert fast.located.equals(slow.located)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(edge_events(), min_size=1, max_size=10))
def test_the_bulk_path_makes_what_the_per_line_path_makes_at_the_edges(items: list[str]) -> None:
    lines = _lines(items)
    _same(transform(lines), transform(lines, in_bulk=False))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(near_valid_events(), min_size=1, max_size=10))
def test_the_bulk_path_makes_what_the_per_line_path_makes_for_near_valid_events(items: list[str]) -> None:
    lines = _lines(items)
    _same(transform(lines), transform(lines, in_bulk=False))


def test_what_the_sdk_writes_takes_the_bulk_path() -> None:
    records: list[dict[str, Any]] = [event(t) for t in event_schema.EVENT_TYPES]
    records.append(event("claim", fee_usd="0.012437595400711611277248", ts="2025-01-02T03:04:05Z"))
    decoded = bulk.decode(_lines([json.dumps(r, separators=(",", ":")) for r in records]))
    assert decoded.slow == []
    assert sum(len(indexes) for indexes, _ in decoded.by_type.values()) == len(records)


def test_lines_the_bulk_path_leaves_are_read_one_by_one() -> None:
    items = [
        json.dumps(event("price", price_usd="1e3")),  # a valid decimal the bulk path does not take
        json.dumps(event("price", trace_id=None)),  # an explicit null
        json.dumps(event("price", ts="2025-02-30T00:00:00Z")),  # a day that does not exist
        json.dumps(event("price", source="a\x00b")),  # a NUL
        json.dumps(event("claim", gas_price_wei=10**30)),  # wei past 64 bits
    ]
    lines = _lines(items)
    assert bulk.decode(lines).slow == [0, 1, 3, 4]  # the 30th of February is caught after decoding
    batch = transform(lines)
    assert batch.valid == 3 and [r.source for r in batch.rejected] == ["f.jsonl:3", "f.jsonl:4"]
    _same(batch, transform(lines, in_bulk=False))
