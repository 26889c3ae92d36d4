"""The report's views over 10 M and 100 M events, side by side: over the raw event rows (the views as
migration 13 left them, what a warehouse without rollups runs) and over the rollups (migrations 14 and 15).

Per backend (PostgreSQL with its defaults, and DuckDB) and size, in one run:
1. a warehouse at migration 13 gets a year of a 1,000-wallet farm's history (benchmarks/history.py:
   the fleet, the days and the claims stay, the farming grows with the size); ANALYZE;
2. every view analytics reads (analytics.query.VIEWS, which the report and the analytics dashboards
   read), once each, over the raw rows;
3. migrations 14 and 15: create the rollups and fill them from the stored rows, swap the indexes (the
   one-off upgrade cost);
4. the same views over the rollups, best of 3, and each frame compared with (2) (same rows, values
   within 1e-9 relative): the rollups answer what the raw rows answered.
Then per view the time at 100 M over the time at 10 M (the goal: under 2x for 10x the data) and the
speedup over the raw views. Metric views (ops_daily, prometheus_vs_events) read the Prometheus history,
not generated here; they are listed for completeness.

    python benchmarks/views.py                                      # about an hour on 2 cores
    AIRDROPS_BENCH_VIEW_EVENTS=100000,1000000 python benchmarks/views.py   # smoke test
    AIRDROPS_BENCH_VIEW_BACKENDS=duckdb AIRDROPS_BENCH_VIEW_LIMIT_S=120 ...  # one backend; raw views stopped at 2 min
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))

from history import Mix, generate

from airdrops.analytics.query import VIEWS, read_view
from airdrops.collectors.warehouse import connect, migrate
from airdrops.collectors.warehouse.rollups import ROLLUPS, SINCE_VERSION

SIZES = [int(n) for n in os.environ.get("AIRDROPS_BENCH_VIEW_EVENTS", "10000000,100000000").split(",")]
REPEAT = 3
#: A raw view that takes longer is stopped and shown as "stopped", as is one that runs out of memory or
#: temporary space (DuckDB's raw airdrop_returns at 100 M events filled this machine's disk).
LIMIT_S = int(os.environ.get("AIRDROPS_BENCH_VIEW_LIMIT_S", "600"))
RESULTS = Path(tempfile.gettempdir()) / "airdrops-bench-views.json"
BACKENDS = os.environ.get("AIRDROPS_BENCH_VIEW_BACKENDS", "postgres,duckdb").split(",")


def run(url: str, events: int, console: Console) -> dict[str, Any]:
    """Generate, time the raw views, upgrade, time the rollup views; the figures of one backend and size."""
    migrate(url, upto=SINCE_VERSION - 1)
    with connect(url) as conn:
        started = time.perf_counter()
        counts = generate(conn, Mix(events))
        generated = time.perf_counter() - started
        conn.execute("ANALYZE")
        console.print(f"  {conn.dialect} {events:,}: generated {sum(counts.values()):,} rows in {generated:.0f} s")
        raw = {view: _limited(conn, view) for view in VIEWS}
    started = time.perf_counter()
    migrate(url)
    upgrade = time.perf_counter() - started
    with connect(url) as conn:
        conn.execute("ANALYZE")
        rolled = {view: _timed(conn, view, REPEAT) for view in VIEWS}
        rollup_rows = sum(int(conn.execute(f"SELECT count(*) FROM {r.table}")[0][0]) for r in ROLLUPS)
    for view in VIEWS:
        if raw[view][1] is not None:
            _same(view, raw[view][1], rolled[view][1])
    return {
        "rows": sum(counts.values()),
        "rollup_rows": rollup_rows,
        "upgrade": upgrade,
        "raw": {v: t for v, (t, _) in raw.items()},
        "rolled": {v: t for v, (t, _) in rolled.items()},
        "view_rows": {v: f.height for v, (_, f) in rolled.items()},
    }


def _limited(conn: Any, view: str) -> tuple[float | None, pl.DataFrame | None]:
    """One read, stopped after LIMIT_S (None, None)."""
    if conn.dialect == "postgres":
        conn.execute(f"SET statement_timeout = '{LIMIT_S}s'")
        try:
            return _timed(conn, view, 1)
        except Exception as exc:  # psycopg's QueryCanceled, wrapped by the connection
            conn.execute("ROLLBACK")
            print(f"    {view}: stopped ({type(exc).__name__})")
            return None, None
        finally:
            conn.execute("RESET statement_timeout")
    conn.execute("SET max_temp_directory_size = '20GB'")
    timer = threading.Timer(LIMIT_S, conn._raw.interrupt)
    timer.start()
    try:
        return _timed(conn, view, 1)
    except Exception as exc:  # interrupted, or out of temporary space
        print(f"    {view}: stopped ({type(exc).__name__}: {str(exc)[:80]})")
        return None, None
    finally:
        timer.cancel()


def _timed(conn: Any, view: str, repeat: int) -> tuple[float, pl.DataFrame]:
    best, frame = float("inf"), pl.DataFrame()
    for _ in range(repeat):
        started = time.perf_counter()
        frame = read_view(conn, view)
        best = min(best, time.perf_counter() - started)
    return best, frame


def _same(view: str, before: pl.DataFrame, after: pl.DataFrame) -> None:
    """Same rows (order aside), numbers within 1e-9 relative: the rollups changed no answer."""
    assert before.height == after.height, (view, before.height, after.height)
    if before.height == 0:
        return
    keys = [c for c, t in VIEWS[view].items() if t in (pl.String, pl.Date, pl.Boolean) or isinstance(t, pl.Datetime)]
    left, right = before.sort(keys, nulls_last=True), after.sort(keys, nulls_last=True)
    from polars.testing import assert_frame_equal

    assert_frame_equal(left, right, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)


def main() -> None:
    from airdrops.services.postgres import PostgresServer

    console = Console(width=140)
    work = Path(tempfile.mkdtemp(prefix="airdrops-bench-views-"))
    results: dict[str, dict[int, dict[str, Any]]] = {backend: {} for backend in BACKENDS}
    pg = PostgresServer(fast=True)  # durability off: only generating the rows is faster, reads are the same
    try:
        pg.start()
        # the biggest PostgreSQL run last: it takes most of the time
        for backend, events in sorted(
            ((b, n) for n in SIZES for b in results), key=lambda r: (r[0] == "postgres", r[1])
        ):
            with console.status(f"{backend}, {events:,} events"):
                if backend == "postgres":
                    results[backend][events] = run(pg.create_database(f"views_{events}"), events, console)
                    _drop(pg, f"views_{events}")
                else:
                    path = work / f"views_{events}.duckdb"
                    results[backend][events] = run(f"duckdb:///{path}", events, console)
                    path.unlink()
            RESULTS.write_text(json.dumps(results, indent=1))
            console.print(f"  (figures so far in {RESULTS})")
        for backend, runs in results.items():
            report(console, backend, runs)
    finally:
        pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


def _drop(pg: Any, database: str) -> None:
    import psycopg

    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {database}")


def report(console: Console, backend: str, runs: dict[int, dict[str, Any]]) -> None:
    small, large = min(runs), max(runs)
    growth = large / small
    table = Table(title=f"{backend}: the analytics views at {small:,} and {large:,} events (seconds; ratios matter)")
    for col in ("view", "rows", f"raw {small:,}", f"raw {large:,}", f"rollups {small:,}", f"rollups {large:,}",
                "rollups growth", f"speedup at {large:,}"):  # fmt: skip
        table.add_column(col, justify="left" if col == "view" else "right")
    for view in VIEWS:
        raw_s, raw_l = runs[small]["raw"][view], runs[large]["raw"][view]
        rol_s, rol_l = runs[small]["rolled"][view], runs[large]["rolled"][view]
        table.add_row(view, f"{runs[large]['view_rows'][view]:,}", _seconds(raw_s), _seconds(raw_l), f"{rol_s:.3f}",
                      f"{rol_l:.3f}", f"{rol_l / rol_s:.2f}x", _ratio(raw_l, rol_l))  # fmt: skip
    total = {k: {n: _sum(runs[n][k].values()) for n in (small, large)} for k in ("raw", "rolled")}
    rolled_s, rolled_l = total["rolled"][small][0], total["rolled"][large][0]
    raw_l, bound = total["raw"][large]
    table.add_row("all of them", "", _total(total["raw"][small]), _total(total["raw"][large]),
                  f"{rolled_s:.2f}", f"{rolled_l:.2f}", f"{rolled_l / rolled_s:.2f}x",
                  f"{'> ' if bound else ''}{raw_l / rolled_l:,.0f}x")  # fmt: skip
    console.print(table)
    for n in (small, large):
        r = runs[n]
        console.print(f"  {n:,} events: {r['rows']:,} rows generated, {r['rollup_rows']:,} rollup rows; "
                      f"migrations 14-16 (rollups, indexes, outflow prices) {r['upgrade']:.0f} s")  # fmt: skip
    console.print(f"  data grew {growth:.0f}x; goal: the views over the rollups under 2x")


def _sum(values: Any) -> tuple[float, bool]:
    """The total of the views that finished, and whether one was stopped (the total is a lower bound then)."""
    found = list(values)
    return sum(v for v in found if v is not None), any(v is None for v in found)


def _seconds(value: float | None) -> str:
    return "stopped" if value is None else f"{value:.3f}"


def _total(total: tuple[float, bool]) -> str:
    return f"> {total[0]:.1f}" if total[1] else f"{total[0]:.2f}"


def _ratio(raw: float | None, rolled: float) -> str:
    return "-" if raw is None else f"{raw / rolled:,.0f}x"


if __name__ == "__main__":
    main()
