"""A real Prometheus scrapes a running reference bot (on a real anvil chain)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from airdrops.monitoring import catalog
from tests.servers import Prometheus, free_port, query, wait_for

pytestmark = pytest.mark.integration
AIRDROPS = str(Path(sys.executable).parent / "airdrops")


def start_bot(port: int, events: Path, duration: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AIRDROPS_BOT_ID": f"it-bot-{port}"}
    return subprocess.Popen(
        [
            AIRDROPS,
            "bot",
            "run",
            "--wallets",
            "3",
            "--duration",
            str(duration),
            "--tick",
            "0.3",
            "--metrics-port",
            str(port),
            "--events-dir",
            str(events),
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
    )


@pytest.fixture(scope="module")
def scraped(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bot")
    port = free_port()
    bot = start_bot(port, tmp / "events", duration=60, log=tmp / "bot.log")
    try:
        with Prometheus(tmp / "prom", targets=[f"127.0.0.1:{port}"]) as prom:
            # Wait until every job has run at least once and a claim and a rebalance went out.
            wait_for(
                lambda: (
                    query(prom.url, "airdrops_capital_rebalances_total")
                    and query(prom.url, "airdrops_claim_attempts_total")
                ),
                timeout=90,
            )
            text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            yield prom, text, port, tmp
    finally:
        bot.send_signal(signal.SIGINT)
        bot.wait(30)


def test_target_is_up_with_bot_identity(scraped):
    prom, _, port, _ = scraped
    (up,) = query(prom.url, 'up{job="airdrops-bot"}')
    assert up["value"][1] == "1"
    # the process start the warehouse reads (bot_id:airdrops_bot_start_time_seconds:max) carries the bot's identity
    (start,) = query(prom.url, f'process_start_time_seconds{{bot_id="it-bot-{port}"}}')
    assert 1.7e9 < float(start["value"][1]) <= float(up["value"][0])
    tx = query(prom.url, "sum by (bot_id) (airdrops_protocol_tx_total)")
    assert [r["metric"]["bot_id"] for r in tx] == [f"it-bot-{port}"]


def test_every_exported_airdrops_metric_is_catalogued_with_its_type(scraped):
    prom, text, _, _ = scraped
    names = catalog.prometheus_names()
    exported = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line.startswith("airdrops_")}
    assert exported, "the bot exported no airdrops_ metrics"
    assert exported <= names.keys(), exported - names.keys()
    metadata = requests.get(f"{prom.url}/api/v1/metadata", timeout=5).json()["data"]
    kinds = {"counter": "counter", "gauge": "gauge", "updown_counter": "gauge", "histogram": "histogram"}
    for spec in {names[n] for n in exported}:
        base = spec.prometheus_name.removesuffix("_total") if spec.kind == "counter" else spec.prometheus_name
        (meta,) = metadata[base] if base in metadata else metadata[spec.prometheus_name]
        assert meta["type"] == kinds[spec.kind], spec.name
        assert meta["help"] == spec.description, spec.name


def test_the_bot_emits_the_core_catalogue(scraped):
    prom, _, _, _ = scraped
    for spec in (
        "airdrops.protocol.tx",
        "airdrops.protocol.gas.used",
        "airdrops.protocol.gas.cost",
        "airdrops.rpc.request.duration",
        "airdrops.claim.attempts",
        "airdrops.scheduler.job.runs",
        "airdrops.scheduler.job.duration",
        "airdrops.scheduler.job.interval",
        "airdrops.risk.checks",
        "airdrops.risk.exposure",
        "airdrops.risk.exposure.limit",
        "airdrops.risk.drawdown",
        "airdrops.risk.kill_switch",
        "airdrops.capital.allocated",
        "airdrops.capital.target",
        "airdrops.capital.idle",
        "airdrops.capital.efficiency",
        "airdrops.capital.rebalances",
        "airdrops.wallet.balance",
        "airdrops.portfolio.value",
        "airdrops.sdk.events.written",
    ):
        name = catalog.get(spec).prometheus_name
        name = f"{name}_count" if catalog.get(spec).kind == "histogram" else name
        assert query(prom.url, name), f"{spec} ({name}) not in Prometheus"


def test_promtool_check_metrics_is_clean(scraped):
    _, text, _, _ = scraped
    promtool = shutil.which("promtool")
    assert promtool, "promtool is installed with the prometheus package"
    out = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "" and out.stderr.strip() == "", out.stdout + out.stderr


def test_a_bot_whose_port_is_taken_still_runs(scraped, tmp_path):
    _, _, port, _ = scraped  # the first bot holds this port
    log = tmp_path / "second.log"
    second = start_bot(port, tmp_path / "events", duration=6, log=log)
    assert second.wait(120) == 0, log.read_text()
    output = log.read_text()
    assert "is already in use" in output and "OTEL_EXPORTER_PROMETHEUS_PORT" in output
    events = list((tmp_path / "events").glob("*.jsonl"))
    assert events and sum(len(f.read_text().splitlines()) for f in events) > 0


def test_the_reference_bot_stays_within_the_series_budget(scraped):
    _, text, _, _ = scraped
    families = Counter(family.name for family in text_string_to_metric_families(text) for _ in family.samples)
    total = sum(families.values())
    print(f"series: {total}; largest families: {families.most_common(6)}")
    assert total <= catalog.SERIES_BUDGET_PER_BOT, (
        f"the reference bot exposes {total} series, over the budget of {catalog.SERIES_BUDGET_PER_BOT} per bot; "
        f"largest families: {families.most_common(6)}"
    )
