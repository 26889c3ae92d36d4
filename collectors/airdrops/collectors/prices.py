"""Prices from a file: the price source for real tokens, imported on request (never fetched from the network).

The bots record the prices they see (the reference bot reads its pool); for tokens a bot cannot
price, or to value holdings at a market price, an operator imports a CSV file:

    ts,token,price_usd
    2025-01-01,ARB,0.81
    2025-01-01T12:00:00Z,ARB,0.79

`ts` is RFC 3339 with a time zone, or a date (00:00 UTC that day); `token` a symbol as the bots
write it; `price_usd` a decimal number. An optional `source` column names where each price came
from (default: the `source` argument, else the file's name). Each row becomes a `price` event
(bot_id `price-file`), validated like any event and loaded through the event loader, so the
`prices` table (and from it `latest_prices`, `airdrop_returns`, the ROI views) uses it at once.
Importing the same file twice adds nothing (each row's event_id is derived from its content). A
file with a bad row is refused whole, every bad row named with its line, and nothing is loaded.

    result = import_prices("duckdb:///airdrops.duckdb", "prices.csv")
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from airdrops.collectors.errors import EtlError, ReconciliationError
from airdrops.collectors.extract.events import Line
from airdrops.collectors.load.events import LoadResult, load_batch
from airdrops.collectors.retry import Retry
from airdrops.collectors.runloop import Stream, StreamRun, WarehouseSession, run_stream
from airdrops.collectors.transform.events import Batch, transform
from airdrops.collectors.warehouse.bookkeeping import Check
from airdrops.collectors.warehouse.connect import Connection
from airdrops.collectors.warehouse.url import WarehouseURL
from airdrops.monitoring import event_schema

BOT_ID = "price-file"
COLUMNS = ("ts", "token", "price_usd")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
#: Bad rows named in the error before "... and N more".
_SHOWN = 20


class PriceFileError(ValueError):
    """The file does not fit the format; the message names every bad row (up to 20) by line."""


@dataclass
class ImportResult(StreamRun):
    """One import: rows in the file, rows new in the warehouse, and rows it already held."""

    rows: int = 0
    loaded: int = 0
    #: Rows already in the warehouse (the file, or these rows, were imported before).
    duplicates: int = 0

    def stage_rows(self) -> dict[str, int]:
        return {"extracted": self.rows, "loaded": self.loaded, "duplicate": self.duplicates}


def read_price_file(path: str | Path, source: str | None = None) -> list[dict[str, object]]:
    """The `price` events of a CSV file; `PriceFileError` if any row does not fit."""
    path = Path(path)
    name = source or path.stem
    events: list[dict[str, object]] = []
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PriceFileError(f"{path}: header must name {', '.join(COLUMNS)} (missing: {', '.join(missing)})")
        for row in reader:
            where = f"{path.name}:{reader.line_num}"
            event = _event(row, name)
            found = event_schema.validate(event) if isinstance(event, dict) else [event]
            if found:
                problems.append(f"{where}: {'; '.join(found)}")
            else:
                events.append(event)  # type: ignore[arg-type]
    if problems:
        more = f"\n... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise PriceFileError(
            f"{path}: {len(problems)} bad row(s), nothing imported:\n" + "\n".join(problems[:_SHOWN]) + more
        )
    if not events:
        raise PriceFileError(f"{path}: no price rows")
    return events


def import_prices(url: str | WarehouseURL | None, path: str | Path, source: str | None = None) -> ImportResult:
    """Load a price file into the warehouse at `url` (migrating it first), as the stream `prices:<source>`."""
    stream = PriceFileStream(Path(path), source)
    with WarehouseSession(WarehouseURL.parse(url), Retry(), label=stream.name) as session:
        return run_stream(session, stream)


class PriceFileStream(Stream[Batch, LoadResult, ImportResult]):
    """A price file as one chunk; its watermark is the file's digest."""

    def __init__(self, path: Path, source: str | None) -> None:
        events = read_price_file(path, source)
        super().__init__(ImportResult(run_id="", stream=f"prices:{source or path.stem}", rows=len(events)))
        self.path = path
        self.digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines = [Line(path.name, i, json.dumps(e).encode()) for i, e in enumerate(events, start=2)]
        self.batch = transform(lines)

    def batches(self, conn: Connection) -> Iterator[Batch]:
        return iter([self.batch])

    def load(self, conn: Connection, batch: Batch) -> LoadResult:
        position = json.dumps({"sha256": self.digest})
        return load_batch(conn, batch, run_id=self.result.run_id, position=position, stream=self.name)

    def count(self, batch: Batch, loaded: LoadResult) -> None:
        self.result.chunks += 1
        self.result.loaded = loaded.loaded
        self.result.duplicates = self.result.rows - loaded.loaded
        self.result.checks = loaded.checks
        if batch.window is not None:
            self.result.widen(*batch.window)

    def where(self, batch: Batch) -> str:
        return str(self.path)

    def final_checks(self, failure: EtlError | None) -> list[Check]:
        return failure.checks if isinstance(failure, ReconciliationError) else self.result.checks


def _event(row: dict[str, str | None], source: str) -> dict[str, object] | str:
    ts, token, price = (row.get(c) or "" for c in COLUMNS)
    ts = ts.strip()
    if _DATE.match(ts):
        ts += "T00:00:00Z"
    try:
        when = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return f"ts {ts!r} is not RFC 3339 (e.g. 2025-01-01T12:00:00Z) or a date (2025-01-01)"
    if when.tzinfo is None:
        return f"ts {ts!r} has no time zone (add Z for UTC)"
    if not token.strip():
        return "token is empty"
    try:
        if not Decimal(price) > 0:
            return f"price_usd {price!r} is not above 0"
    except InvalidOperation:
        return f"price_usd {price!r} is not a decimal number"
    stamp = when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    origin = (row.get("source") or "").strip() or source
    key = f"{origin}\x00{token.strip()}\x00{stamp}".encode()
    return {
        "schema": event_schema.SCHEMA,
        "event_id": hashlib.sha1(key, usedforsecurity=False).hexdigest(),
        "ts": stamp,
        "type": "price",
        "bot_id": BOT_ID,
        "token": token.strip(),
        "price_usd": price.strip(),
        "source": origin,
    }
