"""Timer mode: the timer runs the oneshot ETL, rows arrive, nothing listens on 9465."""

import json
import time

VENV_PYTHON = "/opt/airdrops/airdrops-collector/venv/bin/python"
DUCKDB = "/var/lib/airdrops-collector/airdrops.duckdb"
QUERY = f"""{VENV_PYTHON} -c "
import duckdb, json, time
for attempt in range(60):
    try:
        con = duckdb.connect('{DUCKDB}', read_only=True)
        break
    except duckdb.IOException:
        time.sleep(1)
else:
    raise SystemExit('warehouse locked for 60 s')
print(json.dumps({{
    'events': con.execute('select count(*) from events_raw').fetchone()[0],
    'quarantined': con.execute('select count(*) from etl_quarantine').fetchone()[0],
    'succeeded': con.execute('select count(*) from etl_runs where status = \\'succeeded\\'').fetchone()[0],
}}))
"
"""


def _show(host, unit, *props):
    out = host.check_output(f"systemctl show {unit} " + " ".join(f"-p {p}" for p in props))
    return dict(line.split("=", 1) for line in out.splitlines())


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
        data = json.loads(host.check_output(QUERY))
        if data["succeeded"] >= 2 or time.monotonic() > deadline:
            break
        time.sleep(5)
    assert data == {"events": 132, "quarantined": 1, "succeeded": data["succeeded"]}
    assert data["succeeded"] >= 2
    assert _show(host, "airdrops-collector.service", "Result")["Result"] == "success"


def test_no_metrics_endpoint_in_timer_mode(host):
    assert not host.socket("tcp://127.0.0.1:9465").is_listening
