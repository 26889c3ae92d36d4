"""The event ETL side by side with what a user would otherwise write, on event logs the bot writes itself.

1. The reference bot's history mode writes a backlog B of events (180 days, 60 wallets: about 180,000
   events of every type); a copy ten times larger (10 B: the same lines under other event_ids) is made
   for the memory figure. A throwaway PostgreSQL (initdb + pg_ctl, default settings) on loopback.
2. Side by side, each in a fresh subprocess, the whole backlog B into PostgreSQL:
   (a) `pandas.read_json(lines=True)` per file + `DataFrame.to_sql` (one wide table; no validation, no
       quarantine, no idempotence);
   (b) `airdrops.collectors.pipeline.run_events` (validated, quarantined, idempotent, reconciled), then
       the same backlog again from the start (every event a duplicate);
   (c) the same into DuckDB;
   (d) PostgreSQL's own floor: the rows (b) writes, already shaped, copied straight into the same
       tables with one COPY per table (no reading, validation, staging, conflict check or watermark).
   (e) PostgreSQL's ceiling on this machine: the lines as they are, one COPY into a table of one text
       column without an index (no parsing, no types, nothing found again): what any pipeline that
       stores each event in PostgreSQL is bounded by.
   Events/s for each and the ratio to (a).
3. Peak RSS of (b) for B and 10 B: it reads in bounded chunks, so memory stays flat.

    python benchmarks/events.py                       # a few minutes on 2 cores
    AIRDROPS_BENCH_EVENT_DAYS=10 python benchmarks/events.py   # smoke test
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DAYS = int(os.environ.get("AIRDROPS_BENCH_EVENT_DAYS", "180"))
WALLETS = 60
GROWTH = 10


def write_backlog(directory: Path) -> int:
    """The bot's own history mode writes the backlog; returns how many events."""
    bot = Path(sys.executable).with_name("airdrops")
    cmd = [str(bot), "bot", "run", "--simulate-days", str(DAYS), "--wallets", str(WALLETS), "--seed", "7",
           "--events-dir", str(directory)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    return sum(_count_lines(p) for p in directory.glob("*.jsonl"))


def grow(source: Path, target: Path, times: int) -> int:
    """`times` copies of every file of `source`, each under its own event_ids (a prefix per copy)."""
    target.mkdir(parents=True)
    lines = 0
    for path in sorted(source.glob("*.jsonl")):
        data = path.read_bytes()
        for k in range(times):
            copy = data.replace(b'"event_id":"', b'"event_id":"c%d-' % k)
            (target / f"copy{k}-{path.name}").write_bytes(copy)
            lines += copy.count(b"\n")
    return lines


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


# ---------------------------------------------------------------- the measured runs (each in a subprocess)


def child_baseline(events_dir: str, db_url: str) -> dict[str, Any]:
    """What a user would write: pandas reads each JSON-lines file, to_sql appends it to one table."""
    import pandas as pd
    import sqlalchemy

    rss0 = _rss_mb()
    started = time.perf_counter()
    engine = sqlalchemy.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    rows = 0
    for path in sorted(Path(events_dir).glob("*.jsonl")):
        frame = pd.read_json(path, lines=True, dtype=False)
        frame.to_sql("events_pandas", engine, if_exists="append", index=False, chunksize=10_000)
        rows += len(frame)
    return {"rows": rows, "seconds": time.perf_counter() - started, "rss0_mb": rss0, "peak_mb": _rss_mb()}


def child_etl(events_dir: str, db_url: str, again: str) -> dict[str, Any]:
    from airdrops.collectors.pipeline import run_events
    from airdrops.collectors.warehouse import connect, migrate

    migrate(db_url)
    rss0 = _rss_mb()
    out: dict[str, Any] = {"rss0_mb": rss0}
    for label in ("first", "again") if again == "1" else ("first",):
        if label == "again":  # from the start of every file: each event is already there
            with connect(db_url) as conn, conn.transaction():
                conn.execute("DELETE FROM etl_watermarks")
        started = time.perf_counter()
        result = run_events(db_url, events_dir)
        out[label] = {
            "seconds": time.perf_counter() - started,
            "lines": result.lines,
            "loaded": result.loaded,
            "duplicates": result.duplicates,
            "quarantined": result.quarantined,
            "ok": result.ok,
        }
    out["peak_mb"] = _rss_mb()
    return out


def child_floor(events_dir: str, db_url: str) -> dict[str, Any]:
    """The warehouse's tables filled by plain COPY with what the transform made (not timed)."""
    import psycopg

    from airdrops.collectors.extract.events import EventLogReader
    from airdrops.collectors.transform.events import transform
    from airdrops.collectors.warehouse import migrate

    migrate(db_url)
    batches = [transform(chunk.lines) for chunk in EventLogReader(events_dir, {}).chunks()]
    with psycopg.connect(db_url, autocommit=True) as conn:
        started = time.perf_counter()
        for batch in batches:
            with conn.transaction():
                for table, frame in [*batch.frames.items(), ("events_raw", batch.raw)]:
                    names = ", ".join(frame.columns)
                    with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:
                        copy.write(frame.write_csv(include_header=False))
        seconds = time.perf_counter() - started
    return {"rows": sum(b.raw.height for b in batches), "seconds": seconds}


def child_ceiling(events_dir: str, db_url: str) -> dict[str, Any]:
    """The log files' bytes copied as they are into one text column (the delimiter and quote are bytes no line has)."""
    import psycopg

    paths = sorted(Path(events_dir).glob("*.jsonl"))
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE lines (line text)")
        started = time.perf_counter()
        sql = "COPY lines (line) FROM STDIN (FORMAT csv, DELIMITER e'\\x01', QUOTE e'\\x02')"
        with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy:
            for path in paths:
                copy.write(path.read_bytes())
        seconds = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM lines").fetchone()
    return {"rows": rows[0] if rows else 0, "seconds": seconds}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(kind: str, *args: Any) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, *map(str, args)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- main


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from airdrops.services.postgres import PostgresServer

    console = Console(width=120)
    work = Path(tempfile.mkdtemp(prefix="airdrops-bench-events-"))
    pg = None
    try:
        with console.status(f"the bot writes {DAYS} days of history; a copy {GROWTH} times larger"):
            total = write_backlog(work / "b")
            grown = grow(work / "b", work / "10b", GROWTH)
        pg = PostgresServer(fast=False)  # PostgreSQL's defaults: both pipelines pay real durability
        pg.start()
        console.print(f"backlog B: {total:,} events; 10 B: {grown:,}")
        with console.status("(a) pandas read_json + to_sql"):
            base = run_child("baseline", work / "b", pg.create_database("baseline"))
        with console.status("(b) airdrops ETL into PostgreSQL, then again from the start"):
            etl = run_child("etl", work / "b", pg.create_database("etl"), 1)
        with console.status("(c) airdrops ETL into DuckDB"):
            duck = run_child("etl", work / "b", f"duckdb:///{work / 'w.duckdb'}", 0)
        with console.status("(d) PostgreSQL's COPY floor"):
            floor = run_child("floor", work / "b", pg.create_database("floor"))
        with console.status("(e) PostgreSQL's ceiling: the lines into one text column"):
            ceiling = run_child("ceiling", work / "b", pg.create_database("ceiling"))
        with console.status("peak memory at 10 B"):
            big = run_child("etl", work / "10b", pg.create_database("etl_10b"), 0)

        assert base["rows"] == total and floor["rows"] == total and ceiling["rows"] == total, (base, floor, ceiling)
        for run, n in ((etl, total), (duck, total), (big, grown)):
            assert run["first"]["loaded"] == n and run["first"]["ok"], run
        assert etl["again"]["loaded"] == 0 and etl["again"]["duplicates"] == total, etl
        report(console, Table, total, base, etl, duck, [floor, ceiling], big)
    finally:
        if pg is not None:
            pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


def report(
    console: Any, table_cls: Any, total: int, base: dict, etl: dict, duck: dict, bounds: list, big: dict
) -> None:
    base_rate = total / base["seconds"]
    table = table_cls(title=f"Event logs -> warehouse, {total:,} events (one run, ratios matter)")
    for col in ("pipeline", "seconds", "events/s", "vs (a)", "peak RSS MB"):
        table.add_column(col, justify="right" if col != "pipeline" else "left")
    table.add_row("(a) pandas read_json + to_sql (PostgreSQL)", f"{base['seconds']:.1f}", f"{base_rate:,.0f}", "1.0x",
                  f"{base['peak_mb']:.0f}")  # fmt: skip
    for label, run, key in (
        ("(b) airdrops ETL -> PostgreSQL", etl, "first"),
        ("(b) the same logs again (all duplicates)", etl, "again"),
        ("(c) airdrops ETL -> DuckDB", duck, "first"),
    ):
        rate = total / run[key]["seconds"]
        table.add_row(label, f"{run[key]['seconds']:.1f}", f"{rate:,.0f}", f"{rate / base_rate:.1f}x",
                      f"{run['peak_mb']:.0f}" if key == "first" else "-")  # fmt: skip
    labels = ("(d) COPY of the shaped rows into the same tables", "(e) COPY of the lines into one column")
    for label, bound in zip(labels, bounds, strict=True):
        rate = total / bound["seconds"]
        table.add_row(label, f"{bound['seconds']:.1f}", f"{rate:,.0f}", f"{rate / base_rate:.1f}x", "-")
    console.print(table)
    grown = big["first"]["loaded"]
    console.print(
        f"airdrops ETL peak RSS: B ({total:,} events) {etl['peak_mb']:.0f} MB, "
        f"10 B ({grown:,}) {big['peak_mb']:.0f} MB ({grown / big['first']['seconds']:,.0f} events/s at 10 B)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, args = sys.argv[2], sys.argv[3:]
        children = {"baseline": child_baseline, "etl": child_etl, "floor": child_floor, "ceiling": child_ceiling}
        result = children[kind](*args)
        print(json.dumps(result))
    else:
        main()
