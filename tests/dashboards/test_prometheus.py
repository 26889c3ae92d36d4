"""Every panel query returns data from a real Prometheus scraping a running reference bot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.dashboards.grafana import UIDS, expand, load, regex_escape, targets, variable_selectors
from tests.servers import Prometheus, free_port, query, wait_for

pytestmark = pytest.mark.integration
AIRDROPS = str(Path(sys.executable).parent / "airdrops")
#: What Grafana would send with a 1s scrape interval configured on the datasource and a short range.
WINDOWS = {"__rate_interval": "15s", "__interval": "5s", "__range": "1h"}


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    """(Prometheus URL, bot_id) once the bot has ~20 s of history, claims and rebalances."""
    tmp = tmp_path_factory.mktemp("dashboards")
    port = free_port()
    bot_id = f"dash-bot-{port}"
    args = ["bot", "run", "--wallets", "3", "--duration", "90", "--tick", "0.3", "--metrics-port", str(port)]
    bot = subprocess.Popen(
        [AIRDROPS, *args, "--events-dir", str(tmp / "events")],
        stdout=(tmp / "bot.log").open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "AIRDROPS_BOT_ID": bot_id},
    )
    try:
        with Prometheus(tmp / "prom", targets=[f"127.0.0.1:{port}"], scrape_interval="1s") as server:

            def ready() -> bool:
                return bool(
                    query(server.url, "airdrops_capital_rebalances_total")
                    and query(server.url, "airdrops_claim_attempts_total")
                    and query(server.url, "count_over_time(airdrops_scheduler_queue_depth[1m]) >= 20")
                )

            wait_for(ready, timeout=100, interval=1)
            yield server.url, bot_id, bot
    finally:
        bot.send_signal(signal.SIGINT)
        bot.wait(30)


def check_all_panels(url: str, bot_id: str | None = None) -> None:
    """Run every panel's query as Grafana would with `All` chosen (or one bot); each must return series."""
    empty, failed = [], []
    for uid in UIDS:
        for target in targets(load(uid)):
            expr = expand(target.expr, bot_id=bot_id, **WINDOWS)
            try:
                if not query(url, expr):
                    empty.append(f"{target}: {expr}")
            except (RuntimeError, requests.HTTPError) as exc:
                failed.append(f"{target}: {exc}: {expr}")
    assert not failed, "queries Prometheus rejected:\n" + "\n".join(failed)
    assert not empty, "panels without data:\n" + "\n".join(empty)


def test_every_panel_has_data_with_all_values(prom):
    url, _, _ = prom
    check_all_panels(url)


def test_every_panel_has_data_for_the_bot_chosen(prom):
    url, bot_id, _ = prom
    check_all_panels(url, bot_id=regex_escape(bot_id))


def test_variables_offer_the_bot_its_chain_and_protocols(prom):
    url, bot_id, _ = prom
    for uid in UIDS:
        offered = {}
        for name, selector in variable_selectors(load(uid)).items():
            r = requests.get(f"{url}/api/v1/series", params={"match[]": expand(selector)}, timeout=10)
            r.raise_for_status()
            offered[name] = {s[name] for s in r.json()["data"] if name in s}
        assert offered["bot_id"] == {bot_id}, uid
        assert offered["chain"] == {"local"}, uid
        assert {"swap_pool", "lending_vault", "bridge_escrow", "airdrop_distributor"} <= offered["protocol"], uid


def test_alert_annotation_query_is_accepted(prom):
    url, _, _ = prom
    for uid in UIDS:
        for annotation in load(uid)["annotations"]["list"]:
            query(url, expand(annotation["expr"]))  # no rules loaded here: no ALERTS, but a valid query


def test_bots_up_reads_zero_once_the_bot_stops(prom):
    """Last in this module: it stops the bot. `up` has no bot_id; the panel must still name the bot."""
    url, bot_id, bot = prom
    (bots_up,) = [t for t in targets(load("airdrops-overview")) if t.panel == "Bots up"]
    expr = expand(bots_up.expr)
    assert [(r["metric"]["bot_id"], r["value"][1]) for r in query(url, expr)] == [(bot_id, "1")]
    bot.send_signal(signal.SIGINT)
    bot.wait(30)
    wait_for(lambda: [(r["metric"]["bot_id"], r["value"][1]) for r in query(url, expr)] == [(bot_id, "0")], timeout=15)
