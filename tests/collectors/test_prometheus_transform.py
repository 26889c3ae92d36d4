"""Chunk planning, series ids, special values and the PostgreSQL COPY encoding, on hand-made answers."""

from __future__ import annotations

import hashlib
import math
import struct

import pytest

from airdrops.collectors.config import MetricQuery
from airdrops.collectors.extract.prometheus import RawChunk, plan_chunks
from airdrops.collectors.load.metrics import pg_copy_payload
from airdrops.collectors.transform.metrics import TransformError, series_id, transform

QUERY = MetricQuery("idle", "sum by (bot_id) (x)", step_s=15)


@pytest.mark.parametrize(
    ("start", "end", "step", "points", "expected"),
    [
        (0, 0, 15, 10, [(0, 0)]),
        (1, 14, 15, 10, []),  # no multiple of the step inside
        (1, 200, 15, 5, [(15, 75), (90, 150), (165, 195)]),
        (0, 149_985, 15, 10_000, [(0, 149_985)]),  # exactly 10,000 points: one request
        (0, 150_000, 15, 10_000, [(0, 149_985), (150_000, 150_000)]),
        (0, 24_999, 1, 10_000, [(0, 9_999), (10_000, 19_999), (20_000, 24_999)]),
    ],
)
def test_plan_chunks(start, end, step, points, expected):
    chunks = plan_chunks(start, end, step, points)
    assert chunks == expected
    for lo, hi in chunks:
        assert lo % step == 0 and hi % step == 0
        assert (hi - lo) // step + 1 <= points


def test_plan_covers_every_step_once():
    chunks = plan_chunks(1_700_000_007, 1_700_086_400, 60, 100)
    stamps = [t for lo, hi in chunks for t in range(lo, hi + 1, 60)]
    assert stamps == list(range(1_700_000_040, 1_700_086_400 + 1, 60))


def test_series_id_is_sha1_of_metric_and_sorted_labels_as_signed_int64():
    a = series_id("m", {"b": "2", "a": "1"})
    assert a == series_id("m", {"a": "1", "b": "2"})
    assert a == struct.unpack(">q", hashlib.sha1(b'm{"a":"1","b":"2"}').digest()[:8])[0]
    assert a != series_id("n", {"a": "1", "b": "2"})


def test_two_series_with_one_id_are_refused_not_merged(monkeypatch: pytest.MonkeyPatch):
    from airdrops.collectors.transform import metrics

    monkeypatch.setattr(metrics, "_hash_id", lambda text: 42)  # force a collision
    chunk = RawChunk(QUERY, 0, 15, [
        {"metric": {"__name__": "ratio", "bot_id": "b1"}, "values": [[0, "1"]]},
        {"metric": {"__name__": "ratio", "bot_id": "b2"}, "values": [[0, "2"]]},
    ])  # fmt: skip
    with pytest.raises(TransformError, match="hash to one series_id"):
        transform(chunk)


def test_nan_is_skipped_inf_kept_and_nameless_series_take_the_query_name():
    chunk = RawChunk(
        QUERY,
        0,
        45,
        [
            {"metric": {"__name__": "ratio", "bot_id": "b1"}, "values": [[0, "0.5"], [15, "NaN"], [30, "+Inf"]]},
            {"metric": {"bot_id": "b2"}, "values": [[0, "-Inf"], [45, "1e3"]]},
        ],
    )
    batch = transform(chunk)
    assert (batch.fetched, batch.skipped_nan, batch.samples.height) == (5, 1, 4)
    assert batch.series.get_column("metric").to_list() == ["ratio", "idle"]
    assert batch.series.get_column("labels").to_list() == ['{"bot_id":"b1"}', '{"bot_id":"b2"}']
    rows = batch.samples_with_ids().rows()
    ids = batch.series.get_column("series_id").to_list()
    assert [(r[0], r[1].timestamp(), r[2]) for r in rows] == [
        (ids[0], 0, 0.5),
        (ids[0], 30, math.inf),
        (ids[1], 0, -math.inf),
        (ids[1], 45, 1000.0),
    ]


def test_fractional_timestamps_keep_milliseconds():
    batch = transform(RawChunk(QUERY, 0, 1, [{"metric": {}, "values": [[1700000000.123, "1"]]}]))
    assert batch.samples.get_column("ts").dt.epoch("ms").to_list() == [1_700_000_000_123]


def test_empty_answer():
    batch = transform(RawChunk(QUERY, 0, 15, []))
    assert (batch.fetched, batch.series.height, batch.samples.height) == (0, 0, 0)


def test_garbage_values_are_a_transform_error():
    with pytest.raises(TransformError, match="non-numeric sample values"):
        transform(RawChunk(QUERY, 0, 15, [{"metric": {}, "values": [[0, "abc"]]}]))


def test_pg_copy_payload_decodes_back():
    chunk = RawChunk(
        QUERY,
        0,
        30,
        [{"metric": {"bot_id": "b"}, "values": [[0, "1.5"], [15, "+Inf"]]}, {"metric": {}, "values": [[30, "-2"]]}],
    )
    batch = transform(chunk)
    data = b"".join(pg_copy_payload(batch, rows_per_part=2))
    assert data.startswith(b"PGCOPY\n\xff\r\n\x00" + bytes(8)) and data.endswith(b"\xff\xff")
    body, rows = data[19:-2], []
    while body:
        (n,) = struct.unpack(">h", body[:2])
        assert n == 3
        sid_len, sid = struct.unpack(">iq", body[2:14])
        ts_len, ts = struct.unpack(">iq", body[14:26])
        v_len, v = struct.unpack(">id", body[26:38])
        assert (sid_len, ts_len, v_len) == (8, 8, 8)
        rows.append((sid, ts / 1e6 + 946_684_800, v))
        body = body[38:]
    ids = batch.series.get_column("series_id").to_list()
    assert rows == [(ids[0], 0.0, 1.5), (ids[0], 15.0, math.inf), (ids[1], 30.0, -2.0)]


def test_entries_mapping_to_one_series_are_merged_and_counted():
    query = MetricQuery("ratio", "ratio or label_replace(...)", step_s=15)
    chunk = RawChunk(
        query,
        0,
        30,
        [
            {"metric": {"__name__": "ratio", "bot_id": "b"}, "values": [[0, "1"], [15, "2"]]},
            {"metric": {"bot_id": "c"}, "values": [[0, "5"]]},
            {"metric": {"bot_id": "b"}, "values": [[15, "3"], [30, "4"]]},  # nameless: metric = query name
        ],
    )
    batch = transform(chunk)
    assert (batch.fetched, batch.repeated, batch.samples.height, batch.series.height) == (5, 1, 4, 2)
    rows = sorted((r[0], r[1].timestamp(), r[2]) for r in batch.samples_with_ids().rows())
    b, c = series_id("ratio", {"bot_id": "b"}), series_id("ratio", {"bot_id": "c"})
    assert rows == sorted([(b, 0, 1.0), (b, 15, 2.0), (b, 30, 4.0), (c, 0, 5.0)])
