"""The series the stack's own alerts read (`STACK_SERIES`) exist: the real Prometheus and
Alertmanager serve every one of theirs, under the labels the table gives them. (node_exporter's
are checked on the hosts of the multi-host scenario.)"""

from __future__ import annotations

import contextlib

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from airdrops.alerting import Channels, render
from airdrops.rules.build import write as write_rules
from airdrops.rules.stack_alerts import NEWER_LABELS, STACK_SERIES
from airdrops.services import Alertmanager, Prometheus, WebhookSink
from tests.servers import wait_for

pytestmark = pytest.mark.integration


def served(url: str) -> dict[str, set[str]]:
    """Each sample name on `url`/metrics, with the label names it carries."""
    out: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(requests.get(f"{url}/metrics", timeout=10).text):
        for sample in family.samples:
            out.setdefault(sample.name, set()).update(sample.labels)
    return out


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
    checked = 0
    for name, (source, labels, when) in STACK_SERIES.items():
        if source not in pages or when in ("remote_write is set", "clustering is on"):  # not set up here
            continue
        assert name in pages[source], f"{source} does not serve {name}"
        expected = set(labels) - NEWER_LABELS.keys()  # Debian 12's versions lack these
        assert expected <= pages[source][name], f"{name}: {sorted(expected)} not in {sorted(pages[source][name])}"
        checked += 1
    assert checked >= 11
