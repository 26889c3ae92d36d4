"""Runs inside the one-host container and prints what the verify tests assert on, as one JSON object."""

import json
import subprocess
import time
from pathlib import Path

from probe_helpers import get, psql

WRITER = ("127.0.0.1", "airdrops_collector", "molecule-etl-pw")
READER = ("127.0.0.1", "airdrops_grafana", "molecule-reader-pw")


def targets():
    data = get("http://127.0.0.1:9090/api/v1/targets").get("data", {}).get("activeTargets", [])
    return {t["labels"]["job"]: t["health"] for t in data}


def rule_query(name):
    groups = get("http://127.0.0.1:9090/api/v1/rules").get("data", {}).get("groups", [])
    return next((r["query"] for g in groups for r in g["rules"] if r["name"] == name), "")


# The bot needs some seconds to deploy its contracts and the collector runs every interval; its first
# metrics run may meet a Prometheus the play is restarting (retried and reported), the next one loads.
METRIC_RUNS = "SELECT count(*) FROM etl_runs WHERE stream LIKE 'prometheus:%' AND status = 'succeeded'"
deadline = time.monotonic() + 150
while time.monotonic() < deadline:
    jobs = targets()
    rows = psql(*WRITER, "SELECT count(*) FROM events_raw")
    metric_runs = psql(*WRITER, METRIC_RUNS)
    if (
        jobs
        and all(h == "up" for h in jobs.values())
        and rows["out"] not in ("", "0")
        and metric_runs["out"] not in ("", "0")
    ):
        break
    time.sleep(5)

receivers = get("http://127.0.0.1:9093/api/v2/receivers")
receivers = [r["name"] for r in receivers] if isinstance(receivers, list) else [str(receivers)]
services = {}
for unit in [
    "prometheus",
    "prometheus-alertmanager",
    "prometheus-node-exporter",
    "postgresql",
    "prometheus-postgres-exporter",
    "airdrops-bot",
    "airdrops-collector",
]:
    services[unit] = subprocess.run(["systemctl", "is-active", unit], capture_output=True, text=True).stdout.strip()
print(
    json.dumps(
        {
            "services": services,
            "targets": targets(),
            "rule_groups": [
                g["name"] for g in get("http://127.0.0.1:9090/api/v1/rules").get("data", {}).get("groups", [])
            ],
            "receivers": receivers,
            "writer_rows": psql(*WRITER, "SELECT count(*) FROM events_raw"),
            # How far back the first metrics run started, in minutes: the backfill of the settings file.
            "metrics_backfill_min": psql(
                *WRITER,
                "SELECT round(extract(epoch FROM min(window_end) - min(window_start)) / 60) FROM etl_runs"
                " WHERE stream LIKE 'prometheus:%' AND status = 'succeeded'",
            ),
            # The site setting of molecule.yml, as each layer took it.
            "expected_in_warehouse": psql(
                *READER, "SELECT string_agg(reason, ',' ORDER BY reason) FROM claim_reasons WHERE expected"
            ),
            "slo_rule": rule_query("bot_id:airdrops_claim_failures:ratio_rate1h"),
            "overview": next(Path("/var/lib/grafana/dashboards").glob("*/airdrops-overview.json")).read_text(),
            "reader_select": psql(*READER, "SELECT count(*) FROM claim_success_rate"),
            "reader_insert": psql(*READER, "INSERT INTO etl_quarantine (source) VALUES ('x')"),
            "wrong_password": psql("127.0.0.1", "airdrops_collector", "not-the-password", "SELECT 1"),
            "grafana_datasources": Path("/etc/grafana/provisioning/datasources/airdrops.yml").read_text(),
        }
    )
)
