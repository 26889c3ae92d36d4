"""The ETL as a hardened --every service: events loaded into DuckDB, the bad line quarantined, /metrics served."""

import re
import time

import pytest
from airdrops_checks import HARDENED, read_warehouse, unit_mismatches

VENV_PYTHON = "/opt/airdrops/airdrops-collector/venv/bin/python"
DUCKDB = "/var/lib/airdrops-collector/airdrops.duckdb"
METRICS = (
    'python3 -c "import urllib.request;'
    "print(urllib.request.urlopen('http://127.0.0.1:9465/metrics', timeout=10).read().decode())\""
)
WAREHOUSE_QUERIES = {
    "events": "select count(*) from events_raw",
    "transactions": "select count(*) from transactions",
    "quarantine": "select source, reason from etl_quarantine",
    "runs": "select status, count(*) from etl_runs where stream = 'events' group by 1",
}


def _series(body, name, **labels):
    total = 0.0
    for line in body.splitlines():
        m = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if m and all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
            total += float(m.group(2))
    return total


@pytest.fixture(scope="module")
def warehouse(host):
    """The warehouse once a run has loaded the seeded event file (polls: the ETL runs every 20 s)."""
    deadline = time.monotonic() + 120
    while True:
        rows = read_warehouse(host, VENV_PYTHON, DUCKDB, WAREHOUSE_QUERIES)
        data = {**rows, "events": rows["events"][0][0], "transactions": rows["transactions"][0][0]}
        if data["events"] > 0 or time.monotonic() > deadline:
            return data
        time.sleep(5)


def test_service_running_and_enabled(host):
    svc = host.service("airdrops-collector")
    assert svc.is_running
    assert svc.is_enabled


def test_metrics_on_loopback_only(host):
    assert host.socket("tcp://127.0.0.1:9465").is_listening
    assert not host.socket("tcp://0.0.0.0:9465").is_listening


def test_rows_arrived(warehouse):
    assert warehouse["events"] == 132
    assert warehouse["transactions"] == 11
    assert dict(warehouse["runs"]).get("succeeded", 0) >= 1
    assert "failed" not in dict(warehouse["runs"])


def test_malformed_line_quarantined(warehouse):
    assert len(warehouse["quarantine"]) == 1
    source, reason = warehouse["quarantine"][0]
    assert source == "fixture-bot-1-20250101T000000-00000.jsonl:133"
    assert "invalid JSON" in reason


def test_etl_metrics_served(host, warehouse):
    body = host.check_output(METRICS)
    assert _series(body, "airdrops_etl_runs_total", stream="events", outcome="success") >= 1
    assert _series(body, "airdrops_etl_rows_total", stream="events", stage="loaded") == 132
    assert _series(body, "airdrops_etl_rows_total", stream="events", stage="quarantined") == 1
    assert "airdrops_etl_last_success_seconds{" in body


def test_reads_the_event_log_through_the_bot_group(host):
    assert "airdrops-bot" in host.user("airdrops-collector").groups
    # The event file is 0640 airdrops-bot:airdrops-bot: readable only through the group.
    assert host.run("runuser -u airdrops-collector -- head -c1 /var/lib/airdrops-bot/events/*.jsonl").rc == 0


def test_environment_file(host):
    env = host.file("/etc/airdrops/collector.env")
    assert (env.user, env.group, env.mode) == ("root", "airdrops-collector", 0o640)
    lines = env.content_string.splitlines()
    assert f'WAREHOUSE_URL="duckdb:///{DUCKDB}"' in lines
    assert 'AIRDROPS_EVENTS_DIR="/var/lib/airdrops-bot/events"' in lines
    assert 'OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1"' in lines
    # The URL is not on the command line.
    assert "WAREHOUSE" not in host.file("/etc/systemd/system/airdrops-collector.service").content_string


def test_warehouse_file_owned_by_the_collector(host):
    f = host.file(DUCKDB)
    assert (f.user, f.group) == ("airdrops-collector", "airdrops-collector")
    assert f.mode & 0o007 == 0


UNIT = {
    **HARDENED,
    "User": "airdrops-collector",
    "ProtectHome": "yes",
    "StateDirectory": "airdrops-collector",
    "ReadWritePaths": "/var/lib/airdrops-collector",
    "Restart": "on-failure",
}


def test_unit_hardened(host):
    assert unit_mismatches(host, "airdrops-collector", UNIT) == {}


def test_no_timer_in_service_mode(host):
    assert not host.file("/etc/systemd/system/airdrops-collector.timer").exists
