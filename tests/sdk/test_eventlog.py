"""The event log: schema-valid JSON lines, rotation, and losses counted instead of raised."""

from __future__ import annotations

import json
import os
from decimal import Decimal

from airdrops import monitoring
from airdrops.monitoring import event_schema
from airdrops.monitoring._internal.eventlog import EventLog


def read_all(directory):
    files = [f for f in sorted(directory.glob("*.jsonl")) if not f.is_symlink()]
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def test_events_are_written_as_valid_schema_versioned_lines(sdk, tmp_path):
    handle = sdk()
    monitoring.emit("price", token="ETH", price_usd=Decimal("3012.50"), source="pool")
    with monitoring.track_claim("local", "dist", "drop-1", "0xabc") as c:
        c.set_claim(
            success=True,
            amount=Decimal("100"),
            token="DROP",
            value_usd=Decimal("25.5"),
            tx_hash="0x01",
            gas_used=67822,
            gas_price_wei=2_000_000_000,
        )
    handle.flush()
    records = read_all(tmp_path / "events")
    assert [r["type"] for r in records] == ["price", "claim"]
    for r in records:
        assert event_schema.validate(r) == []
        assert r["schema"] == "airdrops.event/v1" and r["bot_id"] == "test-bot-1"
    claim = records[1]
    assert claim["fee_native"] == "0.000135644"  # 67,822 gas x 2 gwei, as an exact decimal string
    assert claim["value_usd"] == "25.5" and claim["reason"] == "none"


def test_events_emitted_before_configure_are_kept(sdk, tmp_path):
    monitoring.emit("price", token="ETH", price_usd="1", source="early")
    handle = sdk()
    handle.flush()
    assert [(r["source"], r["bot_id"]) for r in read_all(tmp_path / "events")] == [("early", "test-bot-1")]


def test_an_invalid_event_is_written_as_given_counted_and_not_raised(sdk, capmetrics, tmp_path):
    handle = sdk()
    monitoring.emit("price", token="ETH", price_usd="not-a-number", source="x")
    monitoring.emit("no_such_type", foo="bar")
    monitoring.emit(["a", "list"], foo=object())  # unhashable type, a value JSON has no type for
    handle.flush()
    written = read_all(tmp_path / "events")
    assert [r["type"] for r in written] == ["price", "no_such_type", ["a", "list"]]
    assert written[2]["foo"].startswith("<object object")
    assert all(event_schema.validate(r) for r in written)  # the ETL quarantines each, with the reason
    assert capmetrics.value("airdrops.sdk.events.dropped", reason="invalid") == 3


def test_unambiguous_values_are_coerced_and_open_actions_kept(sdk, capmetrics, tmp_path):
    handle = sdk()
    monitoring.emit("price", token="ETH", price_usd=3000, source="int")
    monitoring.emit("transaction", chain="base", protocol="p", action="mint", wallet="0xabc", outcome="success",
                    tx_hash=bytes.fromhex("ab" * 32), gas_used=21000.0, fee_usd=Decimal("0.5"))  # fmt: skip
    handle.flush()
    price, tx = read_all(tmp_path / "events")
    assert price["price_usd"] == "3000"
    assert (tx["action"], tx["tx_hash"], tx["gas_used"], tx["fee_usd"]) == ("mint", "0x" + "ab" * 32, 21000, "0.5")
    assert all(event_schema.validate(r) == [] for r in (price, tx))
    assert not capmetrics.value("airdrops.sdk.events.dropped", reason="invalid")


def test_a_cut_line_does_not_swallow_the_next_event(tmp_path):
    from airdrops.collectors.extract.events import Line
    from airdrops.collectors.transform.events import transform

    class CutAfterHalf:
        """A file whose next write lands half its text, then fails as a full disk does."""

        def __init__(self, real):
            self.real = real

        def write(self, text):
            self.real.write(text[: len(text) // 2])
            self.real.flush()
            raise OSError(28, "No space left on device")

        def flush(self):
            self.real.flush()

        def close(self):
            self.real.close()

    counts: dict[str, int] = {}
    log = EventLog(100, lambda r: counts.__setitem__(r, counts.get(r, 0) + 1), lambda t: None)
    log.start(str(tmp_path), "bot", max_bytes=10**6)
    log.emit("price", {"token": "ETH", "price_usd": "1", "source": "before"})
    log.flush()
    log._file = CutAfterHalf(log._file)
    log.emit("price", {"token": "ETH", "price_usd": "2", "source": "cut"})
    log.flush()
    log.emit("price", {"token": "ETH", "price_usd": "3", "source": "after"})
    log.stop()
    lines = log.path.read_bytes().splitlines()
    batch = transform(Line(log.path.name, i, data) for i, data in enumerate(lines, 1))
    assert counts == {"io_error": 1}
    assert [r.source for r in batch.rejected] == [f"{log.path.name}:2"]  # the cut line, quarantined
    assert sorted(batch.frames["prices"]["source"]) == ["after", "before"]


def test_rotation_starts_new_files_without_losing_lines(sdk, tmp_path):
    handle = sdk(event_file_max_bytes=2_000)
    for i in range(100):
        monitoring.emit("price", token="ETH", price_usd=str(i), source="rot")
    handle.flush()
    files = sorted((tmp_path / "events").glob("*.jsonl"))
    assert len(files) >= 2  # rotation happens between write batches
    assert [r["price_usd"] for r in read_all(tmp_path / "events")] == [str(i) for i in range(100)]


def test_queue_overflow_is_counted_and_emit_never_blocks(capmetrics):
    from airdrops.monitoring._internal.registry import Registry

    reg = Registry(queue_size=10)  # never started: nothing drains the queue
    for _ in range(25):
        reg.events.emit("price", {"token": "ETH", "price_usd": "1", "source": "x"})
    dropped = reg["airdrops.sdk.events.dropped"].series()
    assert [(s.attributes, s.value) for s in dropped] == [({"reason": "queue_full"}, 15)]


def test_disk_full_loses_only_what_could_not_be_written_and_counts_it(tmp_path):
    counts: dict[str, int] = {}
    log = EventLog(100, lambda r: counts.__setitem__(r, counts.get(r, 0) + 1), lambda t: None)
    log.start(str(tmp_path), "bot", max_bytes=10)  # each record rotates to the next file
    log.emit("price", {"token": "ETH", "price_usd": "0", "source": "warmup"})
    log.flush()
    full = tmp_path / log.path.name.replace("-00000.jsonl", "-00001.jsonl")
    os.symlink("/dev/full", full)  # writes to the next file fail with ENOSPC, as on a full disk
    for i in range(1, 6):
        log.emit("price", {"token": "ETH", "price_usd": str(i), "source": "t"})
    log.flush()
    written = [r["price_usd"] for r in read_all(tmp_path) if r["source"] == "t"]
    assert counts["io_error"] >= 1
    assert counts["io_error"] + len(written) == 5  # nothing vanished without being counted
    full.unlink()  # space again: the writer recovers by itself
    log.emit("price", {"token": "ETH", "price_usd": "6", "source": "after"})
    log.stop()
    assert [r["price_usd"] for r in read_all(tmp_path) if r["source"] == "after"] == ["6"]


def test_capevents_fixture_captures_in_memory(capevents):
    monitoring.emit("price", token="BTC", price_usd="90000", source="t")
    assert capevents.of_type("price")[0]["token"] == "BTC"


def test_odd_values_never_raise_into_the_bot(sdk, capmetrics, tmp_path):
    from datetime import datetime, timedelta, timezone

    handle = sdk()
    year_one = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    for fields in ({"gas_used": Decimal("Infinity")}, {"gas_used": Decimal("sNaN")}, {"gas_used": 10**5000},
                   {"fee_usd": Decimal("1e999999")}, {"amount": object()}):  # fmt: skip
        monitoring.emit("transaction", chain="base", protocol="p", action="swap", wallet="0x1", outcome="success",
                        **fields)  # fmt: skip
    monitoring.emit("price", ts=year_one, token="ETH", price_usd="1", source="x")
    handle.flush()
    assert capmetrics.value("airdrops.sdk.events.dropped", reason="invalid") == 6
    assert len(read_all(tmp_path / "events")) == 6  # each written as given, for the ETL to quarantine


def test_validate_answers_odd_records_without_raising():
    base = {"schema": event_schema.SCHEMA, "event_id": "e", "ts": "2025-01-01T00:00:00Z", "type": "price",
            "bot_id": "b", "token": "T", "source": "s"}  # fmt: skip
    assert "is negative" in event_schema.validate({**base, "price_usd": "-1e999999999999999999999999"})[0]
    assert event_schema.validate({**base, "price_usd": "-0.000"}) == []
    assert "unknown fields" in event_schema.validate({**base, "price_usd": "1", 1: "a", None: "b"})[0]
