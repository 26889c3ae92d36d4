"""The `events` stream end to end, on DuckDB and on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airdrops.collectors.config import EventsConfig, ExtractConfig
from airdrops.collectors.errors import EtlError
from airdrops.collectors.extract.events import load_positions
from airdrops.collectors.pipeline import Progress, run_events
from airdrops.collectors.warehouse import connect
from tests.collectors.cases import event, expected, line, write
from tests.collectors.conftest import ROOT
from tests.servers import Warehouse

EVENT_TABLES = ("transactions", "claims", "allocations", "risk_breaches", "portfolio_snapshots", "prices")


def _query(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return conn.execute(sql, params)


def _counts(url: str) -> dict[str, int]:
    with connect(url) as conn:
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}")[0][0]) for t in (*EVENT_TABLES, "events_raw")}


def _sums(url: str) -> dict[str, Decimal]:
    out = {}
    with connect(url) as conn:
        for table, col in (("transactions", "fee_usd"), ("claims", "fee_usd"), ("claims", "value_usd"),
                           ("portfolio_snapshots", "value_usd")):  # fmt: skip
            value = conn.execute(f"SELECT sum({col}) FROM {table}")[0][0]
            if value is not None:
                out[f"{table}.{col}"] = Decimal(value)
    return out


def _watermark(url: str) -> dict[str, Any]:
    rows = _query(url, "SELECT position FROM etl_watermarks WHERE stream = 'events'")
    return load_positions(rows[0][0]) if rows else {}


def _lines_in(directory: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in directory.rglob("*.jsonl"))


def test_loads_a_history_log_and_a_second_run_loads_nothing(warehouse: Warehouse, events_dir: Path) -> None:
    want_counts, want_sums = expected(events_dir)
    seen: list[Progress] = []
    first = run_events(warehouse.url, events_dir, progress=seen.append)
    assert first.ok and first.status == "succeeded"
    assert first.lines == _lines_in(events_dir) == first.loaded
    assert first.duplicates == first.quarantined == 0
    got = _counts(warehouse.url)
    assert {t: got[t] for t in EVENT_TABLES if want_counts[t]} == dict(want_counts)
    assert got["events_raw"] == sum(want_counts.values())
    assert _sums(warehouse.url) == want_sums
    assert seen and seen[-1].bytes_done == seen[-1].bytes_total > 0
    checks = {c.name: c for c in first.checks}
    assert checks["lines"].source == first.lines and all(c.ok for c in first.checks)
    assert "claims.sum(fee_usd)" in checks and "claims.sum(value_usd)" in checks

    second = run_events(warehouse.url, events_dir)
    assert (second.lines, second.loaded) == (0, 0)
    assert _counts(warehouse.url) == got
    runs = _query(warehouse.url, "SELECT status, rows_extracted, rows_loaded FROM etl_runs ORDER BY started_at")
    assert runs == [("succeeded", first.lines, first.loaded), ("succeeded", 0, 0)]
    stored = _query(
        warehouse.url,
        "SELECT check_name, source_value, target_value, ok FROM etl_reconciliation WHERE run_id = %s",
        (first.run_id,),
    )
    assert {name: (Decimal(s), Decimal(t), ok) for name, s, t, ok in stored} == {
        c.name: (c.source, c.target, True) for c in first.checks
    }
    # the views analytics and Grafana read are populated
    assert _query(warehouse.url, "SELECT sum(attempts) FROM claim_success_rate")[0][0] == want_counts["claims"]
    assert _query(warehouse.url, "SELECT count(*) FROM portfolio_value_daily")[0][0] == 3


def test_reloading_the_same_events_from_other_files_adds_nothing(warehouse: Warehouse, events_dir: Path) -> None:
    run_events(warehouse.url, events_dir)
    before = _counts(warehouse.url)
    (copy,) = [p for p in events_dir.glob("*.jsonl")]
    (events_dir / "copy-1-x-00000.jsonl").write_bytes(copy.read_bytes())
    again = run_events(warehouse.url, events_dir)
    assert again.ok and again.loaded == 0 and again.duplicates == again.lines > 0
    assert _counts(warehouse.url) == before


def test_collectors_on_several_hosts_keep_their_own_watermarks(warehouse: Warehouse, tmp_path: Path) -> None:
    """Two bot hosts write logs with the same file name; each host's collector names its source."""
    hosts = {name: tmp_path / name for name in ("bot-a", "bot-b")}
    write(hosts["bot-a"] / "bot-1-x-00000.jsonl", [event("price"), event("claim")])
    write(hosts["bot-b"] / "bot-1-x-00000.jsonl", [event("price"), event("transaction"), event("claim")])
    loaded = {
        name: run_events(warehouse.url, directory, config=EventsConfig(source=name)).loaded
        for name, directory in hosts.items()
    }
    assert loaded == {"bot-a": 2, "bot-b": 3}
    write(hosts["bot-a"] / "bot-1-x-00000.jsonl", [event("transaction")], mode="a")
    again = {
        name: run_events(warehouse.url, directory, config=EventsConfig(source=name))
        for name, directory in hosts.items()
    }
    assert {name: r.loaded for name, r in again.items()} == {"bot-a": 1, "bot-b": 0}
    assert again["bot-a"].stream == "events:bot-a"
    assert _counts(warehouse.url)["events_raw"] == 6
    streams = _query(warehouse.url, "SELECT stream FROM etl_watermarks ORDER BY stream")
    assert streams == [("events:bot-a",), ("events:bot-b",)]


def test_bad_lines_are_quarantined_and_the_rest_loads(warehouse: Warehouse, tmp_path: Path) -> None:
    directory = tmp_path / "events"
    good = [event("price"), event("claim"), event("transaction")]
    path = directory / "bot-1-x-00000.jsonl"
    write(path, good[:1])
    with open(path, "a") as f:
        f.write("{this is not json\n")
        f.write(line(event("claim", outcome="maybe")))
        f.write(line(event("price", price_usd=12.5)))
        f.write("\n")
    write(path, good[1:], mode="a")
    (directory / "bot-2-x-00000.jsonl").write_text(line(event("price")) + '{"schema": "airdrops.ev')
    write(directory / "bot-2-x-00001.jsonl", [event("allocation")])

    result = run_events(warehouse.url, directory)
    assert result.ok
    assert (result.lines, result.loaded, result.quarantined) == (10, 5, 5)
    rows = _query(warehouse.url, "SELECT source, reason, raw, run_id FROM etl_quarantine ORDER BY source")
    reasons = {source: reason for source, reason, _, _ in rows}
    assert reasons["bot-1-x-00000.jsonl:2"].startswith("invalid JSON")
    assert "field 'outcome': 'maybe' is not one of" in reasons["bot-1-x-00000.jsonl:3"]
    assert "field 'price_usd': expected a decimal string" in reasons["bot-1-x-00000.jsonl:4"]
    assert reasons["bot-1-x-00000.jsonl:5"] == "empty line"
    assert reasons["bot-2-x-00000.jsonl:2"].startswith("incomplete last line")
    assert rows[0][2] == "{this is not json" and {r[3] for r in rows} == {result.run_id}
    assert _counts(warehouse.url)["events_raw"] == 5

    # quarantining is idempotent too: reading the same files again adds no quarantine rows
    with connect(warehouse.url) as conn:
        conn.execute("DELETE FROM etl_watermarks")
    assert run_events(warehouse.url, directory).quarantined == 5
    assert _query(warehouse.url, "SELECT count(*) FROM etl_quarantine")[0][0] == 5


def test_appends_and_rotation_are_picked_up_incrementally(warehouse: Warehouse, tmp_path: Path) -> None:
    directory = tmp_path / "events"
    first = directory / "bot-7-20250101T000000-00000.jsonl"
    write(first, [event("price") for _ in range(3)])
    partial = line(event("claim"))
    with open(first, "a") as f:
        f.write(partial[:25])  # the writer is mid-line
    assert run_events(warehouse.url, directory).loaded == 3
    mark = _watermark(warehouse.url)[first.name]
    assert mark.line == 3 and mark.offset == first.stat().st_size - 25

    with open(first, "a") as f:
        f.write(partial[25:])
    write(first, [event("price")], mode="a")
    write(directory / "bot-7-20250101T000000-00001.jsonl", [event("transaction"), event("allocation")])
    second = run_events(warehouse.url, directory)
    assert (second.lines, second.loaded, second.quarantined) == (4, 4, 0)
    assert _counts(warehouse.url)["events_raw"] == 7 and _counts(warehouse.url)["claims"] == 1
    positions = _watermark(warehouse.url)
    assert positions[first.name].line == 5 and positions[first.name].offset == first.stat().st_size
    assert positions["bot-7-20250101T000000-00001.jsonl"].line == 2


def test_a_reused_event_id_with_other_content_is_quarantined_and_the_stream_goes_on(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    directory = tmp_path / "events"
    claim = event("claim", fee_usd="1.5")
    write(directory / "a-1-x-00000.jsonl", [claim])
    run_events(warehouse.url, directory)
    write(directory / "b-1-x-00000.jsonl", [event("price"), {**claim, "fee_usd": "2.5"}])

    second = run_events(warehouse.url, directory)
    assert second.ok and (second.lines, second.loaded, second.duplicates, second.quarantined) == (2, 1, 0, 1)
    assert _counts(warehouse.url)["prices"] == 1
    assert _query(warehouse.url, "SELECT fee_usd FROM claims") == [(Decimal("1.5"),)]  # the first one stays
    source, reason = _query(warehouse.url, "SELECT source, reason FROM etl_quarantine")[0]
    assert source == "b-1-x-00000.jsonl:2" and "reused with other content" in reason
    assert run_events(warehouse.url, directory).lines == 0


def test_a_warehouse_edited_by_hand_fails_reconciliation(warehouse: Warehouse, tmp_path: Path) -> None:
    directory = tmp_path / "events"
    claim = event("claim", fee_usd="1.5")
    write(directory / "a-1-x-00000.jsonl", [claim])
    run_events(warehouse.url, directory)
    before = _watermark(warehouse.url)
    with connect(warehouse.url) as conn, conn.transaction():
        conn.execute("UPDATE claims SET fee_usd = 9")  # edited by hand behind the ETL's back
    write(directory / "b-1-x-00000.jsonl", [event("price"), claim])

    with pytest.raises(EtlError) as info:
        run_events(warehouse.url, directory)
    assert info.value.stage == "reconcile"
    assert "claims.sum(fee_usd): source 1.5" in str(info.value) and "b-1-x-00000.jsonl:1" in str(info.value)
    assert _watermark(warehouse.url) == before
    assert _counts(warehouse.url)["prices"] == 0  # the whole chunk rolled back
    status, error = _query(warehouse.url, "SELECT status, error FROM etl_runs ORDER BY started_at DESC LIMIT 1")[0]
    assert status == "failed" and "reconcile" in error
    failed = _query(warehouse.url, "SELECT check_name FROM etl_reconciliation WHERE NOT ok")
    assert failed == [("claims.sum(fee_usd)",)]


def test_missing_events_directory_fails_in_extract(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(EtlError) as info:
        run_events(warehouse.url, tmp_path / "nowhere")
    assert info.value.stage == "extract" and "does not exist" in str(info.value)
    assert _query(warehouse.url, "SELECT status FROM etl_runs") == [("failed",)]


def _etl_process(url: str, directory: Path, chunk_lines: int, env: dict[str, str]) -> subprocess.Popen[str]:
    code = (
        "import sys\n"
        "from airdrops.collectors.config import EventsConfig, ExtractConfig\n"
        "from airdrops.collectors.pipeline import run_events\n"
        "config = EventsConfig(extract=ExtractConfig(chunk_lines=int(sys.argv[3])))\n"
        "run_events(sys.argv[1], sys.argv[2], config=config)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, url, str(directory), str(chunk_lines)],
        env={**os.environ, **env},
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_kill_9_during_a_load_then_rerun_leaves_one_copy_of_every_row(
    warehouse: Warehouse, events_dir: Path, tmp_path: Path
) -> None:
    want_counts, want_sums = expected(events_dir)
    chunk = 100
    pause = tmp_path / "paused"
    proc = _etl_process(
        warehouse.url,
        events_dir,
        chunk,
        {"AIRDROPS_ETL_TEST_PAUSE_AT": "3", "AIRDROPS_ETL_TEST_PAUSE_FILE": str(pause)},
    )
    deadline = time.monotonic() + 60
    while not pause.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the ETL never reached chunk 3"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # inside chunk 3's transaction: rows written, not committed
    proc.wait(timeout=30)

    # chunks 1 and 2 committed with their watermark; chunk 3 left no trace
    assert _counts(warehouse.url)["events_raw"] == 2 * chunk
    assert sum(p.line for p in _watermark(warehouse.url).values()) == 2 * chunk

    rerun = run_events(warehouse.url, events_dir)
    assert rerun.ok and rerun.loaded == sum(want_counts.values()) - 2 * chunk
    got = _counts(warehouse.url)
    assert {t: got[t] for t in EVENT_TABLES if want_counts[t]} == dict(want_counts)
    assert got["events_raw"] == sum(want_counts.values())
    assert _sums(warehouse.url) == want_sums
    statuses = _query(warehouse.url, "SELECT status, error FROM etl_runs ORDER BY started_at")
    assert statuses[0][0] == "failed" and "abandoned" in statuses[0][1]
    assert statuses[1] == ("succeeded", None)


def test_warehouse_down_retries_then_fails_cleanly_and_resumes(warehouse: Warehouse, tmp_path: Path) -> None:
    """PostgreSQL stopped / DuckDB file locked by another process: retries, a load error, nothing lost."""
    directory = tmp_path / "events"
    write(directory / "bot-1-x-00000.jsonl", [event("price") for _ in range(5)])
    run_events(warehouse.url, directory)
    write(directory / "bot-1-x-00000.jsonl", [event("claim") for _ in range(4)], mode="a")
    before = _watermark(warehouse.url)
    config = EventsConfig(extract=ExtractConfig(), retry=_quick_retry())

    holder = None
    if warehouse.server is not None:
        warehouse.server.stop()
    else:
        holder = _hold_duckdb_lock(warehouse.url)
    try:
        started = time.monotonic()
        with pytest.raises(EtlError) as info:
            run_events(warehouse.url, directory, config=config)
        assert time.monotonic() - started >= 0.3  # it did back off: 0.1 + 0.2 between three attempts
        assert info.value.stage == "load"
        assert "unavailable after 3 attempts" in str(info.value) and "watermark did not move" in str(info.value)
    finally:
        if warehouse.server is not None and not warehouse.server.running():
            warehouse.server.start()
        if holder is not None:
            holder.kill()
            holder.wait()
    assert _watermark(warehouse.url) == before
    resumed = run_events(warehouse.url, directory, config=config)
    assert (resumed.lines, resumed.loaded) == (4, 4)
    assert _counts(warehouse.url)["claims"] == 4


def _quick_retry() -> Any:
    from airdrops.collectors.retry import Retry

    return Retry(attempts=3, backoff_s=0.1, max_backoff_s=0.2)


def _hold_duckdb_lock(url: str) -> subprocess.Popen[str]:
    path = url.removeprefix("duckdb://")
    code = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(600)"
    proc = subprocess.Popen([sys.executable, "-c", code, path], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_run_result_is_json_friendly(duckdb_warehouse: Warehouse, tmp_path: Path) -> None:
    """The CLI prints results: every field is a plain value."""
    directory = tmp_path / "events"
    write(directory / "b-1-x-00000.jsonl", [event("price")])
    result = run_events(duckdb_warehouse.url, directory)
    summary = {"run_id": result.run_id, "lines": result.lines, "rows": result.rows, "window": str(result.window_start)}
    assert json.loads(json.dumps(summary))["rows"] == {"prices": 1, "events_raw": 1}


def test_postgres_going_away_mid_run_reconnects_and_reloads_the_chunk(
    postgres_warehouse: Warehouse,
    events_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server stops inside chunk 2's transaction; the run retries, reconnects and loads everything once."""
    import threading

    caplog.set_level("WARNING", logger="airdrops.collectors")
    server = postgres_warehouse.server
    assert server is not None
    want_counts, _ = expected(events_dir)
    pause = tmp_path / "paused"
    monkeypatch.setenv("AIRDROPS_ETL_TEST_PAUSE_AT", "2")
    monkeypatch.setenv("AIRDROPS_ETL_TEST_PAUSE_FILE", str(pause))
    config = EventsConfig(extract=ExtractConfig(chunk_lines=100), retry=_patient_retry())
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = run_events(postgres_warehouse.url, events_dir, config=config)
        except Exception as exc:  # reported below
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while not pause.exists():
            assert worker.is_alive(), outcome
            assert time.monotonic() < deadline
            time.sleep(0.02)
        monkeypatch.delenv("AIRDROPS_ETL_TEST_PAUSE_AT")  # the reloaded chunk 2 must not pause again
        server.stop()  # terminates the session that holds chunk 2's open transaction
        pause.unlink()
        time.sleep(0.5)  # the ETL fails to commit and starts retrying
    finally:
        if not server.running():
            server.start()
        worker.join(timeout=120)
    assert "error" not in outcome, outcome
    result = outcome["result"]
    assert result.ok and result.loaded == sum(want_counts.values())
    assert "warehouse went away while loading" in caplog.text
    got = _counts(postgres_warehouse.url)
    assert {t: got[t] for t in EVENT_TABLES if want_counts[t]} == dict(want_counts)


def _patient_retry() -> Any:
    from airdrops.collectors.retry import Retry

    return Retry(attempts=20, backoff_s=0.1, max_backoff_s=0.5)


def test_an_event_stored_outside_the_load_lock_fails_its_chunk_by_name(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New events' raw copies go in without ON CONFLICT, since the load lock says which are new: a writer
    outside the lock storing one of them in between fails the chunk, named, and the next run loads it."""
    from airdrops.collectors.load import events as load_events

    directory = tmp_path / "events"
    sneaked = event("price")
    write(directory / "a-1-x-00000.jsonl", [sneaked, event("price")])
    look = load_events._stored_and_conflicts

    def meanwhile(conn: Any, batch: Any) -> Any:
        found = look(conn, batch)
        conn.execute(
            "INSERT INTO events_raw (event_id, ts, type, bot_id, payload) VALUES "
            f"(%s, CAST(%s AS timestamptz), 'price', 'bot-a', CAST(%s AS {conn.json_type}))",
            (sneaked["event_id"], sneaked["ts"], json.dumps(sneaked)),
        )
        return found

    monkeypatch.setattr(load_events, "_stored_and_conflicts", meanwhile)
    with pytest.raises(EtlError, match="events_raw gained an event of this chunk while it loaded") as info:
        run_events(warehouse.url, directory)
    assert info.value.stage == "load"
    assert _counts(warehouse.url)["events_raw"] == 0  # the chunk rolled back whole
    monkeypatch.undo()
    again = run_events(warehouse.url, directory)
    assert again.ok and again.loaded == 2
