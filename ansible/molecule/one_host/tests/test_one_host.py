"""The one-host inventory after site.yml: every service up, wired together, data flowing."""

from pathlib import Path

import pytest
from airdrops_checks import run_probe


@pytest.fixture(scope="module")
def state(host):
    return run_probe(host, Path(__file__).with_name("probe.py"))


def test_services_are_active(state):
    assert state["services"] == dict.fromkeys(state["services"], "active")


def test_prometheus_scrapes_every_target(state):
    assert state["targets"] == {
        "prometheus": "up",
        "node": "up",
        "airdrops-bot": "up",
        "airdrops-collector": "up",
        "alertmanager": "up",
        "postgres": "up",
    }


def test_rules_are_loaded(state):
    assert len(state["rule_groups"]) >= 5


def test_alertmanager_has_the_receivers(state):
    assert {"default", "critical", "warning", "watchdog"} <= set(state["receivers"])


def test_etl_loaded_the_bot_events_into_postgresql(state):
    assert state["writer_rows"]["rc"] == 0, state["writer_rows"]
    assert int(state["writer_rows"]["out"]) > 0


def test_reader_reads_views_and_cannot_write(state):
    assert state["reader_select"]["rc"] == 0, state["reader_select"]
    assert state["reader_insert"]["rc"] != 0
    assert "permission denied" in state["reader_insert"]["err"]


def test_the_etl_settings_file_drives_the_metric_streams(host, state):
    """airdrops_collector_etl_config (molecule.yml): backfill 30m, not the default day."""
    assert state["metrics_backfill_min"]["rc"] == 0, state["metrics_backfill_min"]
    assert 25 <= float(state["metrics_backfill_min"]["out"]) <= 35
    settings = host.file("/etc/airdrops/collector-etl.yml")
    assert (settings.user, settings.group, settings.mode) == ("root", "airdrops-collector", 0o640)


def test_one_site_setting_reaches_the_rules_the_dashboards_and_the_warehouse(state):
    """airdrops_settings.expected_claim_reasons (molecule.yml): insufficient_funds is an outcome everywhere."""
    assert state["expected_in_warehouse"]["out"] == "already_claimed,insufficient_funds,kill_switch,not_eligible"
    counted = 'reason!~"not_eligible|already_claimed|kill_switch|insufficient_funds"'
    assert counted in state["slo_rule"]
    assert counted.replace('"', '\\"') in state["overview"]


def test_wrong_password_is_rejected(state):
    assert state["wrong_password"]["rc"] != 0
    assert "password authentication failed" in state["wrong_password"]["err"]


def test_grafana_reads_the_warehouse_as_the_reader(state):
    assert "airdrops_grafana" in state["grafana_datasources"]
    assert "airdrops_collector" not in state["grafana_datasources"]
