from __future__ import annotations

from pathlib import Path

import pytest

from airdrops.collectors.config import ExtractConfig
from airdrops.collectors.extract.events import (
    EventLogReader,
    FilePosition,
    dump_positions,
    load_positions,
)
from tests.collectors.cases import event, line, write


def _all(reader: EventLogReader) -> list[str]:
    return [ln.source for chunk in reader.chunks() for ln in chunk.lines]


def test_chunks_are_bounded_and_carry_positions(tmp_path: Path) -> None:
    write(tmp_path / "b-1-x-00000.jsonl", [event("price") for _ in range(7)])
    chunks = list(EventLogReader(tmp_path, {}, ExtractConfig(chunk_lines=3)).chunks())
    assert [len(c.lines) for c in chunks] == [3, 3, 1]
    size = (tmp_path / "b-1-x-00000.jsonl").stat().st_size
    assert chunks[-1].positions == {"b-1-x-00000.jsonl": FilePosition(size, 7)}
    assert chunks[0].positions["b-1-x-00000.jsonl"].line == 3


def test_resumes_from_positions_and_picks_up_new_files(tmp_path: Path) -> None:
    write(tmp_path / "b-1-x-00000.jsonl", [event("price") for _ in range(2)])
    first = EventLogReader(tmp_path, {})
    assert _all(first) == ["b-1-x-00000.jsonl:1", "b-1-x-00000.jsonl:2"]
    write(tmp_path / "b-1-x-00000.jsonl", [event("price")], mode="a")
    write(tmp_path / "b-1-x-00001.jsonl", [event("price")])
    second = EventLogReader(tmp_path, first.positions)
    assert _all(second) == ["b-1-x-00000.jsonl:3", "b-1-x-00001.jsonl:1"]
    assert _all(EventLogReader(tmp_path, second.positions)) == []


def test_partial_last_line_waits_until_complete(tmp_path: Path) -> None:
    path = tmp_path / "b-1-x-00000.jsonl"
    text = line(event("price"))
    path.write_text(line(event("price")) + text[:20])
    reader = EventLogReader(tmp_path, {})
    assert _all(reader) == ["b-1-x-00000.jsonl:1"]
    with open(path, "a") as f:
        f.write(text[20:])
    again = EventLogReader(tmp_path, reader.positions)
    chunk = next(again.chunks())
    assert [ln.source for ln in chunk.lines] == ["b-1-x-00000.jsonl:2"]
    assert chunk.lines[0].data == text[:-1].encode()


def test_partial_line_of_a_rotated_file_is_final(tmp_path: Path) -> None:
    (tmp_path / "b-1-x-00000.jsonl").write_text(line(event("price")) + '{"schema":"airdr')
    write(tmp_path / "b-1-x-00001.jsonl", [event("price")])
    lines = [ln for c in EventLogReader(tmp_path, {}).chunks() for ln in c.lines]
    assert [(ln.source, ln.truncated) for ln in lines] == [
        ("b-1-x-00000.jsonl:1", False),
        ("b-1-x-00000.jsonl:2", True),
        ("b-1-x-00001.jsonl:1", False),
    ]


def test_positions_round_trip_and_forget_deleted_files(tmp_path: Path) -> None:
    write(tmp_path / "a-1-x-00000.jsonl", [event("price")])
    positions = {"a-1-x-00000.jsonl": FilePosition(0, 0), "gone-1-x-00000.jsonl": FilePosition(10, 1)}
    assert load_positions(dump_positions(positions)) == positions
    reader = EventLogReader(tmp_path, positions)
    list(reader.chunks())
    assert set(reader.positions) == {"a-1-x-00000.jsonl"}


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        EventLogReader(tmp_path / "nope", {})
