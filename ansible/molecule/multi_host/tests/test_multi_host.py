"""The multi-host inventory after site.yml: Prometheus scrapes every host, the warehouse serves remote clients."""

import os
from pathlib import Path

import pytest
import testinfra
from airdrops_checks import run_probe

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


@pytest.fixture(scope="module")
def monitor(host, db):
    return run_probe(host, PROBE, "monitor", db["address"])


def test_prometheus_scrapes_every_host(monitor):
    found = {(job, instance): health for job, instance, health, _ in monitor["targets"]}
    want = {("node", h) for h in (MONITOR, DB, BOT1, BOT2)}
    want |= {(job, h) for job in ("airdrops-bot", "airdrops-collector") for h in (BOT1, BOT2)}
    want |= {("prometheus", MONITOR), ("alertmanager", MONITOR)}
    assert found == dict.fromkeys(want, "up")


def test_remote_targets_are_scraped_over_the_network(monitor):
    remote = [url for job, instance, _, url in monitor["targets"] if instance != MONITOR]
    assert remote and not [url for url in remote if "127.0.0.1" in url or "localhost" in url]


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
