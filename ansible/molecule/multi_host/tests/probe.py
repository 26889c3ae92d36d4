"""Runs inside one of the multi-host containers and prints what the verify tests assert on, as JSON.

`probe.py db` on the database host waits for both bots' events, then reports the warehouse;
`probe.py monitor DB_ADDRESS` on the monitoring host waits for every target, then reports
Prometheus, Alertmanager and a reader login across hosts; `probe.py bot DB_ADDRESS` on a bot host
tries the writer with a wrong password.
"""

import json
import socket
import subprocess
import sys
import time

from probe_helpers import get, psql

WAIT_S = 240
METRICS_RUNS = "SELECT count(*) FROM etl_runs WHERE stream LIKE 'prometheus:%' AND status = 'succeeded'"
EVENT_STREAMS = "SELECT stream FROM etl_watermarks WHERE stream LIKE 'events%' ORDER BY 1"
READER = ("airdrops_grafana", "molecule-reader-pw")


def own_address():
    # The address other containers reach this one at (the default route's source).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))
        return s.getsockname()[0]


def db():
    def admin(sql):
        return psql(None, "postgres", None, sql, runas="postgres")

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        bots = admin("SELECT count(DISTINCT bot_id) FROM events_raw")["out"]
        metrics = admin(METRICS_RUNS)["out"]
        if bots == "2" and metrics not in ("", "0"):
            break
        time.sleep(5)
    address = own_address()
    return {
        "address": address,
        "bots": admin("SELECT DISTINCT bot_id FROM events_raw ORDER BY 1")["out"].splitlines(),
        "event_streams": admin(EVENT_STREAMS)["out"].splitlines(),
        "metrics_runs": admin(METRICS_RUNS),
        "listens": subprocess.run(["ss", "-Hltn", "sport = :5432"], capture_output=True, text=True).stdout,
        # This host's own network address is not an allowed client: pg_hba turns it away.
        "own_address_login": psql(address, "airdrops_collector", "molecule-etl-pw", "SELECT 1"),
    }


def monitor(db_address):
    def targets():
        data = get("http://127.0.0.1:9090/api/v1/targets").get("data", {}).get("activeTargets", [])
        return sorted([t["labels"]["job"], t["labels"]["instance"], t["health"], t["scrapeUrl"]] for t in data)

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = targets()
        if len(found) >= 10 and all(t[2] == "up" for t in found):
            break
        time.sleep(5)
    receivers = get("http://127.0.0.1:9093/api/v2/receivers")
    return {
        "targets": targets(),
        "rule_groups": [g["name"] for g in get("http://127.0.0.1:9090/api/v1/rules").get("data", {}).get("groups", [])],
        "receivers": [r["name"] for r in receivers] if isinstance(receivers, list) else [str(receivers)],
        "reader_select": psql(db_address, *READER, "SELECT count(*) FROM claim_success_rate"),
        "reader_insert": psql(db_address, *READER, "INSERT INTO etl_quarantine (source) VALUES ('x')"),
        "grafana_postgres_url": [
            line.strip() for line in open("/etc/grafana/provisioning/datasources/airdrops.yml") if "url:" in line
        ],
    }


def bot(db_address):
    login = f"host={db_address} dbname=airdrops user=airdrops_collector password=wrong connect_timeout=5"
    code = f"import psycopg\ntry:\n    psycopg.connect({login!r})\nexcept Exception as exc:\n    print(exc)\n"
    python = "/opt/airdrops/airdrops-collector/venv/bin/python"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return {"wrong_password": (out.stdout + out.stderr).strip()[-300:]}


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    print(json.dumps({"db": db, "monitor": monitor, "bot": bot}[mode](*args)))
