"""Runs inside one of the multi-host containers and prints what the verify tests assert on, as JSON.

`probe.py db` on the database host waits for both bots' events, then reports the warehouse;
`probe.py monitor DB_ADDRESS SCRAPE_PASSWORD READER_PASSWORD SERIES` on the monitoring host waits
for every target, then reports which of SERIES (comma-separated names) Prometheus holds under which
job, Prometheus, Alertmanager (both over TLS checked against the play's CA,
with basic auth), what each listener answers a client without credentials or without TLS, who
Alertmanager's cluster port lets in, and a reader login across hosts (with and without TLS);
`probe.py bot DB_ADDRESS` on a bot host tries the writer with a wrong password and reports how its
collector connects to the warehouse.
"""

import json
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from probe_helpers import get, psql, status

WAIT_S = 240
METRICS_RUNS = "SELECT count(*) FROM etl_runs WHERE stream LIKE 'prometheus:%' AND status = 'succeeded'"
EVENT_STREAMS = "SELECT stream FROM etl_watermarks WHERE stream LIKE 'events%' ORDER BY 1"
READER = ("airdrops_grafana", "molecule-reader-pw")
CLUSTER_TLS = "/etc/prometheus/alertmanager-cluster-tls"
CA = "/etc/prometheus/tls/targets-ca.crt"
OWN_SSL = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
LONGTERM_QUERY = 'count by (job) ({job=~"airdrops-bot|node"})'


def own_address():
    # The address other containers reach this one at (the default route's source).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))
        return s.getsockname()[0]


def tls_peer(address, port, cafile, cert=None):
    """How a mutual-TLS server answers a client holding `cert` (a CERT.crt/CERT.key pair) or none:
    "accepted" when it keeps the connection open waiting for data, else the error."""
    context = ssl.create_default_context(cafile=cafile)
    if cert:
        context.load_cert_chain(cert + ".crt", cert + ".key")
    try:
        with (
            socket.create_connection((address, port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=address) as tls,
        ):
            tls.settimeout(2)
            tls.recv(1)
    except TimeoutError:
        return "accepted"
    except OSError as exc:  # ssl.SSLError included: the server refused the handshake
        return f"{type(exc).__name__}: {exc}"[:200]
    return "closed"


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


def monitor(db_address, scrape_password, reader_password, series):
    reader = ("airdrops", reader_password)

    def targets():
        data = get("https://127.0.0.1:9090/api/v1/targets", reader, CA).get("data", {}).get("activeTargets", [])
        return sorted([t["labels"]["job"], t["labels"]["instance"], t["health"], t["scrapeUrl"]] for t in data)

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = targets()
        if len(found) >= 11 and all(t[2] == "up" for t in found):
            break
        time.sleep(5)
    receivers = get("https://127.0.0.1:9093/api/v2/receivers", ("prometheus", scrape_password), CA)
    found = targets()
    # Every listener Prometheus reaches (itself included), asked as a stranger would.
    urls = {url for *_, url in found}
    names = json.dumps(series.replace(",", "|"))
    held = "group by (__name__, job) ({__name__=~" + names + "})"
    held_url = "https://127.0.0.1:9090/api/v1/query?" + urllib.parse.urlencode({"query": held})
    held_rows = get(held_url, reader, CA)["data"]["result"]
    return {
        "targets": found,
        "series": sorted([r["metric"]["__name__"], r["metric"]["job"]] for r in held_rows),
        "anonymous": {url: status(url, cafile=CA) for url in urls},
        "wrong_password": {url: status(url, ("prometheus", "wrong"), CA) for url in urls},
        "plain_http": {url: status(url.replace("https://", "http://", 1)) for url in urls},
        "unknown_ca": {url: status(url, ("prometheus", scrape_password)) for url in urls},
        # Alertmanager's cluster port: a stranger without a certificate from the play's CA is turned away.
        "cluster": get("https://127.0.0.1:9093/api/v2/status", ("prometheus", scrape_password), CA).get("cluster"),
        "cluster_listens": subprocess.run(["ss", "-Hlntu", "sport = :9094"], capture_output=True, text=True).stdout,
        "cluster_stranger": tls_peer(own_address(), 9094, CLUSTER_TLS + "/ca.crt"),
        "cluster_member": tls_peer(own_address(), 9094, CLUSTER_TLS + "/ca.crt", CLUSTER_TLS + "/cluster"),
        "rule_groups": [
            g["name"] for g in get("https://127.0.0.1:9090/api/v1/rules", reader, CA).get("data", {}).get("groups", [])
        ],
        "receivers": [r["name"] for r in receivers] if isinstance(receivers, list) else [str(receivers)],
        "reader_select": psql(db_address, *READER, "SELECT count(*) FROM claim_success_rate"),
        "reader_insert": psql(db_address, *READER, "INSERT INTO etl_quarantine (source) VALUES ('x')"),
        # The warehouse across hosts: TLS only, its certificate from the play's CA for the address dialled.
        "reader_verify_full": psql(db_address, *READER, OWN_SSL, sslmode="verify-full", rootcert=CA),
        "reader_plain": psql(db_address, *READER, "SELECT 1", sslmode="disable"),
        # The long-term store: what Prometheus remote_wrote, read as Grafana and the ETL read it.
        "longterm_bot_series": get(
            "https://127.0.0.1:8428/api/v1/query?" + urllib.parse.urlencode({"query": LONGTERM_QUERY}), reader, CA
        ),
        "longterm_anonymous": status("https://" + own_address() + ":8428/api/v1/query?query=up", cafile=CA),
        "remote_write_failed": get(
            "https://127.0.0.1:9090/api/v1/query?"
            + urllib.parse.urlencode({"query": "sum(prometheus_remote_storage_samples_failed_total)"}),
            reader,
            CA,
        ),
        "grafana_postgres_url": [
            line.strip() for line in open("/etc/grafana/provisioning/datasources/airdrops.yml") if "url:" in line
        ],
        "grafana_postgres_tls": [
            line.strip()
            for line in open("/etc/grafana/provisioning/datasources/airdrops.yml")
            if "sslmode:" in line or "tlsCACert:" in line
        ],
    }


def bot(db_address):
    login = f"host={db_address} dbname=airdrops user=airdrops_collector password=wrong connect_timeout=5"
    code = f"import psycopg\ntry:\n    psycopg.connect({login!r})\nexcept Exception as exc:\n    print(exc)\n"
    python = "/opt/airdrops/airdrops-collector/venv/bin/python"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    env = Path("/etc/airdrops/collector.env").read_text().splitlines()
    warehouse = next((line.split("=", 1)[1] for line in env if line.startswith("WAREHOUSE_URL=")), "")
    metrics = next((line.split("=", 1)[1] for line in env if line.startswith("AIRDROPS_PROMETHEUS_URL=")), "")
    return {
        # Where the ETL reads the metrics (host and port only: the URL holds the reader's password).
        "metrics_from": urllib.parse.urlsplit(metrics.strip().strip('"')).port,
        "wrong_password": (out.stdout + out.stderr).strip()[-300:],
        # Only the URL's query: the password stays in the file.
        "warehouse_query": warehouse.strip().strip('"').partition("?")[2],
    }


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    print(json.dumps({"db": db, "monitor": monitor, "bot": bot}[mode](*args)))
