"""Retention: loaded, rotated, old event files go and nothing else does; whole old months of metric
samples leave the warehouse (partitions dropped or detached on PostgreSQL, by the ETL's own login)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airdrops.collectors.pipeline import run_events
from airdrops.collectors.retention import RetentionPolicy, apply_retention, drop_metric_months
from airdrops.collectors.warehouse import connect, migrate
from airdrops.collectors.warehouse.partitions import ensure_metric_partitions
from tests.collectors.cases import event, write

DAY = 86400.0
AIRDROPS = str(Path(sys.executable).parent / "airdrops")
pytestmark = pytest.mark.integration


def _age(path, days):
    old = time.time() - days * DAY
    os.utime(path, (old, old))


def test_only_loaded_rotated_old_files_are_deleted(warehouse, tmp_path):
    events = tmp_path / "events"
    writer = "bot-a-100-1700000000"
    for seq in range(4):
        write(events / f"{writer}-{seq}.jsonl", [event("claim") for _ in range(3)])
    write(events / "bot-b-200-1700000000-0.jsonl", [event("claim")])  # its writer's only file: still open
    first = run_events(warehouse.url, events)
    assert first.loaded == 13
    write(events / f"{writer}-2.jsonl", [event("claim")], mode="a")  # grew after the load: not all loaded
    for name in [f"{writer}-{seq}.jsonl" for seq in range(4)] + ["bot-b-200-1700000000-0.jsonl"]:
        _age(events / name, 40)
    _age(events / f"{writer}-1.jsonl", 10)  # loaded and rotated, but younger than the limit

    with connect(warehouse.url) as conn:
        report = apply_retention(conn, "events", events, RetentionPolicy(events_max_age_s=30 * DAY))
    assert report.event_files == [f"{writer}-0.jsonl"]
    left = ["bot-b-200-1700000000-0.jsonl", f"{writer}-1.jsonl", f"{writer}-2.jsonl", f"{writer}-3.jsonl"]
    assert sorted(p.name for p in events.iterdir()) == sorted(left)
    # The next run loads the line appended to -2 and forgets the deleted file's position; no row is lost.
    second = run_events(warehouse.url, events)
    assert (second.status, second.loaded) == ("succeeded", 1)
    with connect(warehouse.url) as conn:
        assert conn.execute("SELECT count(*) FROM claims")[0][0] == 14
        assert f"{writer}-0.jsonl" not in str(conn.execute("SELECT position FROM etl_watermarks")[0][0])


def test_nothing_is_deleted_by_default(warehouse, tmp_path):
    events = tmp_path / "events"
    for seq in range(2):
        write(events / f"bot-a-1-1-{seq}.jsonl", [event("claim")])
    run_events(warehouse.url, events)
    for path in events.iterdir():
        _age(path, 3650)
    with connect(warehouse.url) as conn:
        assert apply_retention(conn, "events", events, RetentionPolicy()).event_files == []
    assert len(list(events.iterdir())) == 2


def _samples(conn, *moments):
    with conn.transaction():
        conn.execute("INSERT INTO metric_series (series_id, metric, labels) VALUES (%s, %s, %s)", (1, "m", "{}"))
        for ts in moments:
            conn.execute("INSERT INTO metric_samples (series_id, ts, value) VALUES (%s, %s, %s)", (1, ts, 1.0))


def _count(conn):
    return conn.execute("SELECT count(*) FROM metric_samples")[0][0]


@pytest.mark.parametrize("detach_only", [False, True])
def test_old_months_of_samples_leave_and_recent_ones_stay(warehouse, detach_only):
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=400), now - timedelta(days=1)
    migrate(warehouse.url)
    with connect(warehouse.url) as conn:
        ensure_metric_partitions(conn, old, recent)
        _samples(conn, old, old + timedelta(hours=1), recent)
    etl = _etl_login(warehouse)
    with connect(etl) as conn:
        forgotten = drop_metric_months(conn, 180 * DAY, detach_only=detach_only)
        assert old.strftime("%Y-%m") in forgotten and recent.strftime("%Y-%m") not in forgotten
        assert _count(conn) == 1
        assert drop_metric_months(conn, 180 * DAY) == []  # nothing left to forget
    if warehouse.dialect == "postgres":
        with connect(warehouse.url) as conn:
            table = f"metric_samples_p{old:%Y%m}"
            kept = conn.execute("SELECT count(*) FROM pg_class WHERE relname = %s", (table,))[0][0]
            assert kept == (1 if detach_only else 0)
            if detach_only:  # outside every query, with its rows, for an archive to take
                assert conn.execute(f"SELECT count(*) FROM {table}")[0][0] == 2


def _etl_login(warehouse):
    """PostgreSQL: a login that is only a member of airdrops_etl, as the collector's is; DuckDB: the file."""
    if warehouse.dialect != "postgres":
        return warehouse.url
    with connect(warehouse.url) as conn:
        conn.execute(
            "DO $$ BEGIN CREATE ROLE retention_etl LOGIN IN ROLE airdrops_etl; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        database = conn.execute("SELECT current_database()")[0][0]
        conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO retention_etl')
    return warehouse.url.replace("postgres@", "retention_etl@", 1)


def test_the_command_applies_retention_after_its_run_and_only_when_asked(tmp_path):
    events, db = tmp_path / "events", tmp_path / "w.duckdb"
    for seq in range(2):
        write(events / f"bot-a-1-1-{seq}.jsonl", [event("claim")])
    base = [AIRDROPS, "etl", "run", "--warehouse", f"duckdb:///{db}", "--events-dir", str(events)]
    assert subprocess.run(base, capture_output=True, text=True, timeout=120).returncode == 0
    for path in events.iterdir():
        _age(path, 40)
    kept = subprocess.run(base, capture_output=True, text=True, timeout=120)
    assert kept.returncode == 0 and len(list(events.iterdir())) == 2, kept.stdout
    pruned = subprocess.run([*base, "--events-retention", "30d"], capture_output=True, text=True, timeout=120)
    assert pruned.returncode == 0, pruned.stderr
    assert "retention: deleted 1 loaded event files" in pruned.stdout
    assert [p.name for p in events.iterdir()] == ["bot-a-1-1-1.jsonl"]
    bad = subprocess.run([*base, "--metrics-retention", "forever"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "forever" in bad.stderr
