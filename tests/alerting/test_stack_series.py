"""The series the stack's own alerts read (`STACK_SERIES`) exist: the real Prometheus,
Alertmanager and prometheus-postgres-exporter serve every one of theirs, under the labels the table
gives them. (node_exporter's are checked on the hosts of the multi-host scenario.)"""

from __future__ import annotations

import contextlib

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from airdrops.alerting import Channels, render
from airdrops.rules.build import write as write_rules
from airdrops.rules.stack_alerts import NEWER_LABELS, STACK_SERIES
from airdrops.services import Alertmanager, Prometheus, WebhookSink
from tests.servers import postgres_exporter, wait_for

pytestmark = pytest.mark.integration


def served(url: str) -> dict[str, set[str]]:
    """Each sample name on `url`/metrics, with the label names it carries."""
    out: dict[str, set[str]] = {}
    text = requests.get(f"{url}/metrics", timeout=10).text
    written = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if not line.startswith("#")}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            # The parser names every counter sample `_total`; Prometheus keeps the name as written
            # (postgres_exporter's counters have no suffix).
            name = sample.name if sample.name in written else family.name
            out.setdefault(name, set()).update(sample.labels)
    return out


def check(pages: dict[str, dict[str, set[str]]]) -> int:
    """Assert every series of the sources in `pages` is served with its labels; how many were."""
    checked = 0
    for name, (source, labels, when) in STACK_SERIES.items():
        if source not in pages or when in ("remote_write is set", "clustering is on"):  # not set up here
            continue
        assert name in pages[source], f"{source} does not serve {name}"
        expected = set(labels) - NEWER_LABELS.keys()  # Debian 12's versions lack these
        assert expected <= pages[source][name], f"{name}: {sorted(expected)} not in {sorted(pages[source][name])}"
        checked += 1
    return checked


def test_prometheus_and_alertmanager_serve_every_series_the_stack_alerts_read(tmp_path):
    files = write_rules(tmp_path / "rules")
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(WebhookSink())
        am = stack.enter_context(Alertmanager(tmp_path / "am", render(Channels(webhook_url=sink.url))))
        prom = stack.enter_context(
            Prometheus(tmp_path / "prom", targets=[], rule_files=files, alertmanagers=[f"127.0.0.1:{am.port}"])
        )
        # Per-Alertmanager and per-rule-group series appear once Prometheus found the Alertmanager
        # and evaluated the rules.
        wait_for(lambda: "prometheus_notifications_sent_total" in served(prom.url), timeout=60)
        wait_for(lambda: "prometheus_rule_evaluation_failures_total" in served(prom.url), timeout=60)
        pages = {"prometheus": served(prom.url), "alertmanager": served(am.url)}
    assert check(pages) >= 11


def test_postgres_exporter_serves_every_series_with_the_monitoring_role_only(postgres_server, tmp_path, monkeypatch):
    """The exporter logs in as the postgresql role's monitoring user does: a login with `pg_monitor`
    and nothing else. An open transaction shows under the state the long-transaction alert reads."""
    import psycopg

    exporter = postgres_exporter(postgres_server, "postgres_exporter", tmp_path, monkeypatch)
    with exporter as url, psycopg.connect(postgres_server.url()) as open_tx:
        open_tx.execute("SELECT 1")  # a transaction begins: psycopg does not autocommit here
        page = wait_for(lambda: (p := served(url)).get("pg_stat_database_numbackends") and p, timeout=30)
        text = requests.get(f"{url}/metrics", timeout=10).text
    assert "pg_up 1" in text, "the monitoring login could not connect"
    assert 'state="idle in transaction"' in text
    assert check({"postgres_exporter": page}) == 7
