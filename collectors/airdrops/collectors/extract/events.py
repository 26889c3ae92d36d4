"""Extract: read bots' JSON-lines event logs incrementally, in bounded chunks.

Each file is read from the byte offset the last run stopped at (the `events` watermark), so a run
reads only what was appended since; rotation just adds files (the SDK never renames one). A last line
without its newline is still being written and waits for the next run, unless a later file of the same
writer exists (`<bot_id>-<pid>-<start>-<seq>.jsonl` with a higher seq): then it is final, and handed on
marked `truncated` for the quarantine. Memory stays bounded by `chunk_lines` / `chunk_bytes`.

    reader = EventLogReader("events", positions={})
    for chunk in reader.chunks():
        ...  # load chunk.lines, then store chunk.positions with them
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from airdrops.collectors.config import ExtractConfig

_log = logging.getLogger("airdrops.collectors")
_SERIES = re.compile(r"^(?P<series>.+)-(?P<seq>\d+)\.jsonl$")


def closed_files(names: list[str]) -> set[str]:
    """The files no writer appends to any more: a later file of the same writer (`<series>-<seq>.jsonl`,
    seq higher) exists, so the bot rotated past them."""
    latest: dict[str, int] = {}
    for name in names:
        if m := _SERIES.match(name):
            latest[m["series"]] = max(latest.get(m["series"], -1), int(m["seq"]))
    return {name for name in names if (m := _SERIES.match(name)) and latest[m["series"]] > int(m["seq"])}


def event_files(directory: Path) -> dict[str, Path]:
    """Every `*.jsonl` under `directory`, by its name relative to it (the watermark's keys)."""
    paths = sorted(p for p in directory.rglob("*.jsonl") if p.is_file())
    return {p.relative_to(directory).as_posix(): p for p in paths}


@dataclass(frozen=True)
class FilePosition:
    """How far a file has been read: bytes, and complete lines (for `file:line` in the quarantine)."""

    offset: int = 0
    line: int = 0


@dataclass(frozen=True)
class Line:
    """One complete line: its file (relative to the events directory), 1-based number, and bytes."""

    file: str
    number: int
    data: bytes
    truncated: bool = False

    @property
    def source(self) -> str:
        return f"{self.file}:{self.number}"


@dataclass
class Chunk:
    """Lines read together, and where every file stands once they are loaded."""

    number: int
    lines: list[Line]
    positions: dict[str, FilePosition]
    bytes_read: int


@dataclass
class _Cursor:
    path: Path
    name: str
    start: FilePosition
    final: bool
    size: int = field(default=0)


def load_positions(text: str | None) -> dict[str, FilePosition]:
    """Parse the watermark's JSON (`{file: {"offset": n, "line": n}}`)."""
    if not text:
        return {}
    raw = json.loads(text)
    return {name: FilePosition(int(p["offset"]), int(p["line"])) for name, p in raw.items()}


def dump_positions(positions: dict[str, FilePosition]) -> str:
    return json.dumps(
        {name: {"offset": p.offset, "line": p.line} for name, p in sorted(positions.items())},
        separators=(",", ":"),
    )


class EventLogReader:
    """Reads `*.jsonl` under `directory` from `positions` on, yielding `Chunk`s."""

    def __init__(self, directory: str | Path, positions: dict[str, FilePosition], config: ExtractConfig | None = None):
        self.directory = Path(directory)
        self.config = config or ExtractConfig()
        self._positions = dict(positions)
        if not self.directory.is_dir():
            raise FileNotFoundError(f"events directory {self.directory} does not exist")
        self._cursors = self._scan()

    def _scan(self) -> list[_Cursor]:
        files = event_files(self.directory)
        names = list(files)
        closed = closed_files(names)
        cursors = []
        for name, path in files.items():
            start = self._positions.get(name, FilePosition())
            size = path.stat().st_size
            if size < start.offset:
                _log.warning(
                    "%s shrank below its watermark (%d < %d bytes): reading it again", name, size, start.offset
                )
                start = FilePosition()
                self._positions[name] = start
            cursors.append(_Cursor(path, name, start, name in closed, size))
        # Files removed since (retention) no longer need a position.
        for gone in set(self._positions) - set(names):
            del self._positions[gone]
        return cursors

    @property
    def files(self) -> list[str]:
        return [c.name for c in self._cursors]

    @property
    def positions(self) -> dict[str, FilePosition]:
        """Where every file stands (as of the last chunk yielded)."""
        return dict(self._positions)

    def backlog_bytes(self) -> int:
        """Bytes not read yet, as the files were when the reader was created (for progress)."""
        return sum(max(c.size - c.start.offset, 0) for c in self._cursors)

    def chunks(self) -> Iterator[Chunk]:
        lines: list[Line] = []
        size = 0
        number = 0
        for cursor in self._cursors:
            for line, position, nbytes in self._read(cursor):
                lines.append(line)
                size += nbytes
                self._positions[cursor.name] = position
                if len(lines) >= self.config.chunk_lines or size >= self.config.chunk_bytes:
                    number += 1
                    yield Chunk(number, lines, dict(self._positions), size)
                    lines, size = [], 0
        if lines:
            yield Chunk(number + 1, lines, dict(self._positions), size)

    def _read(self, cursor: _Cursor) -> Iterator[tuple[Line, FilePosition, int]]:
        offset, number = cursor.start.offset, cursor.start.line
        with open(cursor.path, "rb") as f:
            f.seek(offset)
            for data in f:
                if not data.endswith(b"\n"):
                    if not cursor.final:
                        return  # still being written: wait for the rest
                    number += 1
                    offset += len(data)
                    yield Line(cursor.name, number, data, truncated=True), FilePosition(offset, number), len(data)
                    return
                number += 1
                offset += len(data)
                yield Line(cursor.name, number, data[:-1]), FilePosition(offset, number), len(data)
