"""Timer mode: the timer runs the oneshot ETL, rows arrive, nothing listens on 9465; the events
retention deletes a loaded, rotated, old file."""

import json
import shlex
import time
import uuid
from pathlib import Path

from airdrops_checks import read_warehouse, unit_properties

VENV_PYTHON = "/opt/airdrops/airdrops-collector/venv/bin/python"
DUCKDB = "/var/lib/airdrops-collector/airdrops.duckdb"
WAREHOUSE_QUERIES = {
    "events": "select count(*) from events_raw",
    "quarantined": "select count(*) from etl_quarantine",
    "succeeded": "select count(*) from etl_runs where status = 'succeeded'",
}


def _show(host, unit, *props):
    return unit_properties(host, unit, props)


def test_timer_active_and_enabled(host):
    timer = host.service("airdrops-collector.timer")
    assert timer.is_running
    assert timer.is_enabled
    assert _show(host, "airdrops-collector.timer", "Unit")["Unit"] == "airdrops-collector.service"


def test_service_is_a_oneshot_not_started_at_boot(host):
    unit = _show(host, "airdrops-collector.service", "Type", "UnitFileState", "ProtectSystem", "User")
    assert unit == {
        "Type": "oneshot",
        "UnitFileState": "static",
        "ProtectSystem": "strict",
        "User": "airdrops-collector",
    }


def test_timer_ran_and_rows_arrived(host):
    """The timer starts the ETL 15 s after it starts, then 30 s after each run: wait for two runs."""
    deadline = time.monotonic() + 180
    while True:
        data = {name: rows[0][0] for name, rows in read_warehouse(host, VENV_PYTHON, DUCKDB, WAREHOUSE_QUERIES).items()}
        if data["succeeded"] >= 2 or time.monotonic() > deadline:
            break
        time.sleep(5)
    assert data == {"events": 132, "quarantined": 1, "succeeded": data["succeeded"]}
    assert data["succeeded"] >= 2
    assert _show(host, "airdrops-collector.service", "Result")["Result"] == "success"


def test_no_metrics_endpoint_in_timer_mode(host):
    assert not host.socket("tcp://127.0.0.1:9465").is_listening


FIXTURE = Path(__file__).parents[2] / "default" / "files" / "fixture-bot-1-20250101T000000-00000.jsonl"
EVENTS = "/var/lib/airdrops-bot/events"


def test_loaded_rotated_old_event_files_are_deleted(host):
    """airdrops_collector_events_retention: 1m. The bot rotates to a second file; the first, loaded
    and aged, goes at a later run of the timer, and the second's event is loaded."""
    record = json.loads(FIXTURE.read_text().splitlines()[0])
    record["event_id"] = uuid.uuid4().hex
    second = f"{EVENTS}/fixture-bot-1-20250101T000000-00001.jsonl"
    write = host.run(
        f"printf '%s\\n' {shlex.quote(json.dumps(record))} > {second} && chown airdrops-bot:airdrops-bot {second}"
        f" && chmod 0640 {second} && touch -d '2 hours ago' {EVENTS}/{FIXTURE.name}"
    )
    assert write.rc == 0, write.stderr
    deadline = time.monotonic() + 180
    while host.file(f"{EVENTS}/{FIXTURE.name}").exists and time.monotonic() < deadline:
        time.sleep(5)
    assert not host.file(f"{EVENTS}/{FIXTURE.name}").exists, "the loaded, rotated, old file is still there"
    assert host.file(second).exists
    rows = read_warehouse(host, VENV_PYTHON, DUCKDB, {"events": "select count(*) from events_raw"})
    assert rows["events"][0][0] == 133
