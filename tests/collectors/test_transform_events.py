from __future__ import annotations

import json
from decimal import Decimal

import polars as pl

from airdrops.collectors.extract.events import Line
from airdrops.collectors.transform.events import transform
from tests.collectors.cases import event


def _lines(*items: str | dict[str, object]) -> list[Line]:
    out = []
    for i, item in enumerate(items, 1):
        text = item if isinstance(item, str) else json.dumps(item)
        out.append(Line("f.jsonl", i, text.encode()))
    return out


def test_valid_events_become_typed_frames() -> None:
    claim = event("claim", fee_usd="0.1234567890123456789", gas_price_wei=10**30)
    batch = transform(_lines(claim, event("price"), event("risk_breach")))
    frame = batch.frames["claims"]
    assert frame.schema["fee_usd"] == pl.Decimal(38, 18)
    assert frame.schema["gas_price_wei"] == pl.Decimal(38, 0)
    assert frame.schema["ts"] == pl.Datetime("us", "UTC")
    row = frame.row(0, named=True)
    assert row["fee_usd"] == Decimal("0.123456789012345679")  # rounded half away from zero to 18 places
    assert row["gas_price_wei"] == Decimal(10**30)
    assert batch.frames["risk_breaches"].columns.count("limit_value") == 1
    assert batch.raw.height == 3 and json.loads(batch.raw["payload"][0]) == claim
    assert batch.source["claims.count"] == 1
    assert batch.source["claims.sum(fee_usd)"] == Decimal("0.123456789012345679")
    assert batch.source["claims.sum(value_usd)"] == Decimal("25.5")


def test_bad_lines_are_rejected_with_reasons() -> None:
    batch = transform(
        _lines(
            "{not json",
            "",
            event("claim", outcome="maybe"),
            event("price", price_usd=1.5),
            event("nope"),
            event("price", price_usd="1e30"),
            event("price", token="E\u0000TH"),
            event("price"),
        )
    )
    reasons = {r.source: r.reason for r in batch.rejected}
    assert reasons["f.jsonl:1"].startswith("invalid JSON")
    assert reasons["f.jsonl:2"] == "empty line"
    assert "'maybe' is not one of" in reasons["f.jsonl:3"]
    assert "expected a decimal string" in reasons["f.jsonl:4"]
    assert reasons["f.jsonl:5"] == "unknown event type 'nope'"
    assert "out of range for numeric(38,18)" in reasons["f.jsonl:6"]
    assert "NUL" in reasons["f.jsonl:7"]
    assert batch.valid == 1 and batch.frames["prices"].height == 1


def test_duplicates_within_a_chunk_load_once() -> None:
    price = event("price")
    batch = transform(_lines(price, price, event("price")))
    assert batch.valid == 3 and batch.duplicates_in_chunk == 1
    assert batch.frames["prices"].height == 2 and batch.source["prices.count"] == 2


def test_a_reused_event_id_with_other_content_is_rejected_as_a_conflict() -> None:
    claim = event("claim", fee_usd="1.5")
    batch = transform(_lines(claim, {**claim, "fee_usd": "2.5"}, claim))
    assert (batch.valid, batch.duplicates_in_chunk) == (2, 1)
    assert batch.source["claims.sum(fee_usd)"] == Decimal("1.5")
    [conflict] = batch.rejected
    assert conflict.source == "f.jsonl:2" and "reused with other content (kept: f.jsonl:1)" in conflict.reason


def test_truncated_and_non_utf8_lines_are_rejected() -> None:
    lines = [Line("f.jsonl", 1, b'{"schema":', truncated=True), Line("f.jsonl", 2, b"\xff\xfe")]
    reasons = [r.reason for r in transform(lines).rejected]
    assert reasons[0].startswith("incomplete last line") and reasons[1].startswith("not valid UTF-8")
