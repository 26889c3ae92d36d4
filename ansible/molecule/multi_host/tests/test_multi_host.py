"""The multi-host inventory after site.yml: Prometheus scrapes every host, the warehouse serves remote clients."""

import os
from pathlib import Path

import pytest
import testinfra
from airdrops_checks import run_probe

from airdrops.rules.stack_alerts import STACK_SERIES

PREFIX = os.environ.get("AIRDROPS_MOLECULE_PREFIX", "airdrops")
MONITOR, DB, BOT1, BOT2 = (f"{PREFIX}-{name}" for name in ("monitor", "db", "bot1", "bot2"))
PROBE = Path(__file__).with_name("probe.py")

testinfra_hosts = [f"ansible://{MONITOR}"]


def _other(host, name):
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=host.backend.ansible_inventory)


@pytest.fixture(scope="module")
def db(host):
    """Waits on the database host until both bots' events arrived."""
    return run_probe(_other(host, DB), PROBE, "db")


def _generated(name):
    """A password the play generated on the controller (no Vault value in this scenario)."""
    return (Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "pki" / name).read_text().split()[0]


@pytest.fixture(scope="module")
def monitor(host, db):
    series = ",".join(sorted(STACK_SERIES))
    return run_probe(
        host, PROBE, "monitor", db["address"], _generated("scrape.password"), _generated("reader.password"), series
    )


def test_prometheus_scrapes_every_host(monitor):
    found = {(job, instance): health for job, instance, health, _ in monitor["targets"]}
    want = {("node", h) for h in (MONITOR, DB, BOT1, BOT2)}
    want |= {(job, h) for job in ("airdrops-bot", "airdrops-collector") for h in (BOT1, BOT2)}
    want |= {("prometheus", MONITOR), ("alertmanager", MONITOR), ("postgres", DB)}
    assert found == dict.fromkeys(want, "up")


# What the stack's own alerts read, in Prometheus under the job the rules select (RulesConfig's
# defaults); remote_write (to VictoriaMetrics) and Alertmanager clustering are set up here.
JOBS = {"node_exporter": "node", "postgres_exporter": "postgres", "prometheus": "prometheus"}
JOBS["alertmanager"] = "alertmanager"


def test_prometheus_holds_every_series_the_stack_alerts_read(monitor):
    held = {tuple(pair) for pair in monitor["series"]}
    want = {(name, JOBS[source]) for name, (source, _, _) in STACK_SERIES.items()}
    assert want - held == set()


def test_prometheus_remote_writes_to_victoriametrics_which_serves_it_over_tls_and_auth(monitor):
    jobs = {r["metric"]["job"]: float(r["value"][1]) for r in monitor["longterm_bot_series"]["data"]["result"]}
    assert jobs.keys() == {"airdrops-bot", "node"} and all(n > 0 for n in jobs.values())
    assert float(monitor["remote_write_failed"]["data"]["result"][0]["value"][1]) == 0
    assert monitor["longterm_anonymous"] == 401
    assert any(":8428" in line for line in monitor["grafana_postgres_url"])  # its Grafana datasource


def test_the_etl_reads_the_metrics_from_victoriametrics(host, db):
    bot1 = run_probe(_other(host, BOT1), PROBE, "bot", db["address"])
    assert bot1["metrics_from"] == 8428


def test_remote_targets_are_scraped_over_the_network(monitor):
    remote = [url for job, instance, _, url in monitor["targets"] if instance != MONITOR]
    assert remote and not [url for url in remote if "127.0.0.1" in url or "localhost" in url]


def test_every_listener_on_the_network_takes_tls_and_basic_auth_only(monitor):
    urls = {url for *_, url in monitor["targets"]}
    assert len(urls) == 11 and all(url.startswith("https://") for url in urls)
    assert monitor["anonymous"] == dict.fromkeys(urls, 401)
    assert monitor["wrong_password"] == dict.fromkeys(urls, 401)
    assert not [url for url, answer in monitor["plain_http"].items() if answer == 200]
    # Verified against the play's CA only: the system's CAs do not know it.
    assert all("CERTIFICATE_VERIFY_FAILED" in str(answer) for answer in monitor["unknown_ca"].values())


def test_the_alertmanager_cluster_port_takes_members_of_the_plays_ca_only(monitor):
    assert monitor["cluster"]["status"] in ("settling", "ready"), monitor["cluster"]
    listens = monitor["cluster_listens"].split()
    assert listens[0] == "tcp" and "udp" not in listens, listens  # gossip over TLS is TCP only
    assert monitor["cluster_member"] == "accepted"
    assert "SSLError" in monitor["cluster_stranger"] and "certificate" in monitor["cluster_stranger"]


def test_the_generated_passwords_stay_on_the_controller(monitor):
    pki = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "pki"
    assert oct(pki.stat().st_mode & 0o777) == "0o700"
    assert {
        oct((pki / name).stat().st_mode & 0o777) for name in ("scrape.password", "reader.password", "ca/ca.key")
    } == {"0o600"}


def test_rules_and_receivers(monitor):
    assert len(monitor["rule_groups"]) >= 5
    assert {"default", "critical", "warning", "watchdog"} <= set(monitor["receivers"])


def test_each_bot_host_loads_its_own_events(db):
    assert db["bots"] == sorted([BOT1, BOT2])
    assert db["event_streams"] == sorted([f"events:{BOT1}", f"events:{BOT2}"])


def test_the_first_collector_loads_the_metrics_from_prometheus(db):
    assert db["metrics_runs"]["rc"] == 0 and int(db["metrics_runs"]["out"]) > 0


def test_postgresql_listens_on_the_network(db):
    assert f"{db['address']}:5432" in db["listens"]


def test_pg_hba_admits_only_the_clients(db):
    assert db["own_address_login"]["rc"] != 0
    assert "no pg_hba.conf entry" in db["own_address_login"]["err"]


def test_grafana_host_reads_the_warehouse_as_the_reader(monitor, db):
    assert monitor["reader_select"]["rc"] == 0, monitor["reader_select"]
    assert "permission denied" in monitor["reader_insert"]["err"]
    assert any(db["address"] in line for line in monitor["grafana_postgres_url"])


def test_writer_with_a_wrong_password_is_rejected_from_a_bot_host(host, db):
    out = run_probe(_other(host, BOT2), PROBE, "bot", db["address"])
    assert "password authentication failed" in out["wrong_password"]
    # The collector that loaded the events (test above) checks the server against the play's CA.
    assert out["warehouse_query"] == "sslmode=verify-full&sslrootcert=/etc/airdrops/collector-postgres-ca.crt"


def test_the_warehouse_takes_other_hosts_over_verified_tls_only(monitor):
    assert (monitor["reader_verify_full"]["rc"], monitor["reader_verify_full"]["out"]) == (0, "t"), monitor[
        "reader_verify_full"
    ]
    assert monitor["reader_plain"]["rc"] != 0
    assert "no encryption" in monitor["reader_plain"]["err"]
    assert "sslmode: verify-full" in monitor["grafana_postgres_tls"]
    assert any(line.startswith("tlsCACert:") for line in monitor["grafana_postgres_tls"])
