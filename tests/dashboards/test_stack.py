"""The stack health dashboard: its queries parse, name only the series the stack alerts read, and
return data from the real servers (Prometheus scraping itself, Alertmanager, node_exporter and
postgres_exporter in front of a real PostgreSQL), under the job names the rules select."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
import requests

from airdrops.alerting import Channels, render
from airdrops.rules.build import write as write_rules
from airdrops.rules.stack_alerts import STACK_SERIES
from airdrops.services import Alertmanager, Prometheus, WebhookSink
from airdrops.services.process import Server, free_port
from tests.dashboards.grafana import STACK_UIDS, expand, load, metric_names, selectors, targets
from tests.servers import postgres_exporter, query, wait_for

WINDOWS = {"__rate_interval": "15s", "__interval": "5s", "__range": "1h"}
#: Series that exist only where systemd runs (PID 1), or where the postgresql role's backup timer
#: writes them: the multi-host scenario finds them on its hosts.
SYSTEMD_ONLY = {name for name, (_, _, when) in STACK_SERIES.items() if "systemd" in when}
ROLE_ONLY = {name for name, (_, _, when) in STACK_SERIES.items() if when == "backups are on"}


def stack_targets():
    return [t for uid in STACK_UIDS for t in targets(load(uid))]


def test_queries_name_only_the_series_the_stack_alerts_read():
    allowed = set(STACK_SERIES) | {"up", "ALERTS"}
    assert len(stack_targets()) >= 20
    for target in stack_targets():
        for sel in selectors(expand(target.expr)):
            names = metric_names(sel)
            assert names and names <= allowed, f"{target}: {names - allowed}"


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian's package of that name; make test has it)")
    return path


@pytest.mark.integration
def test_every_panel_has_data_from_the_real_servers(postgres_server, tmp_path, monkeypatch):
    node_port = free_port()
    node_args = [_binary("prometheus-node-exporter"), f"--web.listen-address=127.0.0.1:{node_port}"]
    with contextlib.ExitStack() as stack:
        stack.enter_context(Server(node_args, tmp_path / "node", f"http://127.0.0.1:{node_port}/metrics", "node"))
        pg = stack.enter_context(postgres_exporter(postgres_server, "stack_exporter", tmp_path / "pg", monkeypatch))
        sink = stack.enter_context(WebhookSink())
        am = stack.enter_context(Alertmanager(tmp_path / "am", render(Channels(webhook_url=sink.url))))
        jobs = {"node": [f"127.0.0.1:{node_port}"], "postgres": [pg.removeprefix("http://")]}
        jobs["alertmanager"] = [f"127.0.0.1:{am.port}"]
        prom = stack.enter_context(
            Prometheus(
                tmp_path / "prom",
                targets=[],
                rule_files=write_rules(tmp_path / "rules"),
                alertmanagers=[f"127.0.0.1:{am.port}"],
                more_jobs=jobs,
                self_job="prometheus",
            )
        )
        # Rates need two samples of the per-Alertmanager and per-rule-group series.
        wait_for(lambda: query(prom.url, "count_over_time(prometheus_notifications_sent_total[1m]) >= 3"), timeout=60)
        wait_for(lambda: query(prom.url, 'count_over_time(pg_up{job="postgres"}[1m]) >= 3'), timeout=60)
        empty, failed = [], []
        for target in stack_targets():
            expr = expand(target.expr, **WINDOWS)
            names = {n for sel in selectors(expr) for n in metric_names(sel)}
            if names & ROLE_ONLY or (names & SYSTEMD_ONLY and not Path("/run/systemd/system").is_dir()):
                continue
            try:
                if not query(prom.url, expr):
                    empty.append(f"{target}: {expr}")
            except (RuntimeError, requests.HTTPError) as exc:
                failed.append(f"{target}: {exc}")
    assert not failed, "queries Prometheus rejected:\n" + "\n".join(failed)
    assert not empty, "panels without data:\n" + "\n".join(empty)
