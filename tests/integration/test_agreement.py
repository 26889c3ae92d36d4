"""One truth from the chain to the report: a scripted scenario with known outcomes, and every layer shows the
same claim success rate, claim counts, gas, fees and claimed value, equal to what the chain itself says.

The bot (`agreement_bot`: the reference bot's adapters and SDK, on a real anvil node, RPC errors through a real
proxy cut) runs once for the module. A real Prometheus scrapes it every second with the generated rules; the
ETL loads its event log and the Prometheus rules into a real PostgreSQL; then each layer is read the way its
users read it: the recording and SLO rules and the overview dashboard's PromQL against Prometheus (evaluated
at the last scrape, where `increase()` is exact for counters that start at 0), the warehouse's views and the
analytics dashboards' SQL as Grafana's reader role, the analytics functions, and the HTML report's data.
Counts and gas units must be equal; USD amounts equal to 1e-9 (Prometheus adds floats; the warehouse keeps 18
decimals exactly). The chain's truth is read over JSON-RPC: every receipt of the bot's wallets (gas used times
the effective gas price), the pool's and the bridge's events (the fees they kept), and the distributor's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from web3 import Web3
from web3.logs import DISCARD

from airdrops.analytics import airdrop_tracking, gas_by_chain, roi_by_protocol, success_rate
from airdrops.analytics.query import Views
from airdrops.analytics.report import compute
from airdrops.analytics.report.html import render
from airdrops.analytics.roi import capital_locked
from airdrops.bot.live import AIR, ETH_USD, USDC
from airdrops.collectors.config import OPS_RECORDS, MetricQuery, MetricsConfig
from airdrops.collectors.metrics_stream import run_metrics
from airdrops.collectors.pipeline import run_events
from airdrops.collectors.warehouse import connect, definitions
from airdrops.dashboards import queries as promql
from airdrops.dashboards.analytics import sql
from airdrops.monitoring import vocabulary
from airdrops.protocols import LocalNode
from airdrops.protocols.chain.compile import compile_all
from airdrops.protocols.chain.deploy import BRIDGE_FEE_BPS, POOL_FEE_BPS
from airdrops.rules import recording
from airdrops.rules.build import write as write_rules
from airdrops.rules.config import DEFAULT
from tests.analytics.grafana_sql import expand as expand_sql
from tests.dashboards.grafana import expand as expand_promql
from tests.servers import Prometheus, free_port, wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BOT = "agreement-bot"
#: The scenario's claims (agreement_bot's docstring): 2 succeed; already claimed and not eligible are expected
#: outcomes; a revert and an RPC error are faults. 6 attempts, 4 counted, success rate 2 / 4.
CLAIMS = {"attempts": 6, "succeeded": 2, "expected": 2, "counted": 4, "success_rate": 0.5}
USD_REL = 1e-9


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, postgres_server: Any) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("agreement")
    port = free_port()
    warehouse = postgres_server.create_database()
    with LocalNode() as node:
        rules = write_rules(tmp / "rules", DEFAULT)
        with Prometheus(tmp / "prom", targets=[f"127.0.0.1:{port}"], rule_files=rules) as prom:
            bot = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.agreement_bot", node.url, str(port), str(tmp / "events"),
                 BOT],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )  # fmt: skip
            assert bot.stdin is not None and bot.stdout is not None
            try:
                started = datetime.now(UTC)
                assert bot.stdout.readline().strip() == "declared"
                # every claim series scraped at 0 (twice), before anything counts
                wait_for(lambda: value(prom.url, f"count(count_over_time({claims()}[1m]) >= 2)") == 8, timeout=60)
                # ... and summed by the rules the ETL loads, so their first sample is 0 too
                sums = f'{OPS_RECORDS[0]}{{bot_id="{BOT}"}}'
                wait_for(lambda: value(prom.url, f"count(count_over_time({sums}[1m]) >= 2)") == 8, timeout=30)
                bot.stdin.write("go\n")
                bot.stdin.flush()
                scenario = json.loads(bot.stdout.readline())
                final = bot_metrics(port)
                # Prometheus holds the bot's final counts, and has evaluated the rules since that scrape
                wait_for(lambda: value(prom.url, f"sum({claims()})") == final["claims"], timeout=30)
                last_scrape = value(prom.url, f"max(timestamp({claims()}))")
                wait_for(
                    lambda: value(prom.url, f'max(timestamp({OPS_RECORDS[0]}{{bot_id="{BOT}"}}))') > last_scrape + 1
                )
                run_events(warehouse, tmp / "events")
                queries = tuple(MetricQuery.record(name, step_s=1) for name in OPS_RECORDS)
                run_metrics(warehouse, MetricsConfig(queries=queries), prometheus=prom.url, since=started,
                            until=time.time())  # fmt: skip
                w3 = Web3(Web3.HTTPProvider(node.url))
                yield {
                    "prom": prom.url,
                    "at": last_scrape,
                    "warehouse": warehouse,
                    "scenario": scenario,
                    "chain": chain_truth(w3, scenario),
                    "events": read_events(tmp / "events"),
                    "server": postgres_server,
                }
            finally:
                bot.stdin.close()
                bot.wait(30)


# --- reading each layer --------------------------------------------------------------------------------


def claims() -> str:
    return f'airdrops_claim_attempts_total{{bot_id="{BOT}"}}'


def value(url: str, promql: str, at: float | None = None) -> float:
    params = {"query": promql, **({"time": f"{at:.3f}"} if at is not None else {})}
    body = requests.get(f"{url}/api/v1/query", params=params, timeout=10).json()
    assert body["status"] == "success", body
    result = body["data"]["result"]
    return float(result[0]["value"][1]) if result else float("nan")


def bot_metrics(port: int) -> dict[str, float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    lines = [line for line in text.splitlines() if line.startswith("airdrops_claim_attempts_total{")]
    return {"claims": sum(float(line.rsplit(" ", 1)[1]) for line in lines)}


def read_events(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for path in sorted(directory.glob("*.jsonl")) for line in path.read_text().splitlines()]


def chain_truth(w3: Web3, scenario: dict[str, Any]) -> dict[str, Any]:
    """What the chain says: the bot's transactions' receipts, the fees the contracts kept, the airdrop paid."""
    compiled = compile_all()
    pool = w3.eth.contract(address=scenario["pool"], abi=compiled["SwapPool"].abi)
    escrow = w3.eth.contract(address=scenario["escrow"], abi=compiled["BridgeEscrow"].abi)
    distributor = w3.eth.contract(address=scenario["distributor"], abi=compiled["Distributor"].abi)
    wallets = set(scenario["wallets"])
    token0 = w3.eth.contract(address=pool.functions.token0().call(), abi=compiled["AirdropToken"].abi)
    stable_first = token0.functions.symbol().call() == "USDC"
    gas_used, fee_wei, fees_units, claimed_usd, mined = 0, 0, 0, Decimal(0), 0
    for number in range(scenario["first_block"], scenario["last_block"] + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"] not in wallets:
                continue
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            mined += 1
            gas_used += receipt["gasUsed"]
            fee_wei += receipt["gasUsed"] * receipt["effectiveGasPrice"]
            for swap in pool.events.Swap().process_receipt(receipt, errors=DISCARD):
                fees_units += swap["args"]["amount_in"] * POOL_FEE_BPS // 10_000  # every swap pays in USDC here
            for lock in escrow.events.Locked().process_receipt(receipt, errors=DISCARD):
                fees_units += lock["args"]["fee"]
                assert lock["args"]["fee"] == (lock["args"]["amount"] + lock["args"]["fee"]) * BRIDGE_FEE_BPS // 10_000
            for claim in distributor.events.Claimed().process_receipt(receipt, errors=DISCARD):
                # valued as the bot values it: the pool's price in that block
                r0 = Decimal(pool.functions.reserve0().call(block_identifier=number))
                r1 = Decimal(pool.functions.reserve1().call(block_identifier=number))
                stable, token = (r0, r1) if stable_first else (r1, r0)
                claimed_usd += Decimal(claim["args"]["amount"]) / AIR * ((stable / USDC) / (token / AIR))
    fee_native = Decimal(fee_wei) / Decimal(10**18)
    return {
        "mined": mined,
        "gas_used": gas_used,
        "fee_native": fee_native,
        "gas_usd": fee_native * ETH_USD,
        "fees_usd": Decimal(fees_units) / USDC,
        "claimed_usd": claimed_usd,
    }


def reader(run: dict[str, Any]) -> str:
    """The warehouse as Grafana reads it: a login role with airdrops_reader only."""
    with psycopg.connect(run["warehouse"], autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'grafana_agreement'").fetchone():
            conn.execute("CREATE ROLE grafana_agreement LOGIN IN ROLE airdrops_reader")
    return str(run["warehouse"]).replace("postgres@", "grafana_agreement@", 1)


def panel_rows(run: dict[str, Any], query: sql.Sql) -> list[dict[str, Any]]:
    """A panel's SQL as Grafana sends it (today's range, every value of each variable), as the reader role."""
    today = datetime.now(UTC)
    variables = {"bot_id": [BOT], "chain": ["local"], "protocol": [], "airdrop": ["air-season-1"]}
    with connect(run["warehouse"]) as conn:
        variables["protocol"] = [r[0] for r in conn.execute("SELECT DISTINCT protocol FROM roi_by_protocol")]
    text = expand_sql(query.sql, today - timedelta(days=1), today + timedelta(days=1), variables)
    with psycopg.connect(reader(run)) as conn:
        cur = conn.execute(text)
        names = [c.name for c in cur.description or []]
        rows = [dict(zip(names, (float(v) if isinstance(v, Decimal) else v for v in r), strict=True)) for r in cur]
    assert rows, query.sql
    return rows


def panel_sql(run: dict[str, Any], query: sql.Sql) -> Any:
    """The single value a stat panel shows."""
    return next(iter(panel_rows(run, query)[0].values()))


def column_sum(rows: list[dict[str, Any]], column: str) -> float:
    return sum(r[column] or 0 for r in rows)


def views(run: dict[str, Any]) -> Views:
    return Views(connect(run["warehouse"]))


def usd(x: Any) -> pytest.approx:
    return pytest.approx(float(x), rel=USD_REL)


# --- the scenario happened as scripted ---------------------------------------------------------------------


def test_the_scenario_played_as_scripted(run):
    steps = [(s["step"], s["success"], s["error"]) for s in run["scenario"]["steps"]]
    assert [s for s in steps if s[0].startswith("claim")] == [
        ("claim", True, None),
        ("claim again", False, vocabulary.ALREADY_CLAIMED),
        ("claim not eligible", False, vocabulary.NOT_ELIGIBLE),
        ("claim out of gas", False, vocabulary.REVERTED),
        ("claim while the RPC is down", False, "unreachable"),
        ("claim after the outage", True, None),
    ]
    assert run["chain"]["mined"] == 11  # every step but the two the node never received
    assert run["chain"]["fees_usd"] > 0 and run["chain"]["gas_used"] > 0


# --- claims: success rate and counts, everywhere -------------------------------------------------------------


def test_the_event_log(run):
    claims_ = [e for e in run["events"] if e["type"] == "claim"]
    counted = [c for c in claims_ if vocabulary.is_counted(c["outcome"], c.get("reason"))]
    ok = [c for c in claims_ if c["outcome"] == "success"]
    assert (len(claims_), len(ok), len(claims_) - len(counted)) == (6, 2, 2)
    assert [c["reason"] for c in claims_ if c["outcome"] == "failure"].count(vocabulary.RPC_ERROR) == 1


def test_the_recording_and_slo_rules(run):
    prom, bot = run["prom"], f'{{bot_id="{BOT}"}}'
    # The SLO's error ratio and the alert's failure ratio, as recorded: 1 - success rate
    assert 1 - value(prom, f"bot_id:airdrops_claim_failures:ratio_rate1h{bot}") == pytest.approx(0.5, rel=1e-12)
    assert 1 - value(prom, f"bot_id_protocol_airdrop:airdrops_claim_failures:ratio_rate1h{bot}") == pytest.approx(0.5)
    # the counts the ETL loads (airdrops-ops.rules)
    sums = "bot_id_outcome_reason:airdrops_claim_attempts_total:sum"
    assert value(prom, f"sum({sums}{bot})") == CLAIMS["attempts"]
    assert value(prom, f'sum({sums}{{bot_id="{BOT}", outcome="success"}})') == CLAIMS["succeeded"]
    expected = "|".join(vocabulary.EXPECTED_CLAIM_REASONS)
    assert value(prom, f'sum({sums}{{bot_id="{BOT}", reason=~"{expected}"}})') == CLAIMS["expected"]


def test_the_overview_dashboards_promql(run):
    def panel(query: promql.Query) -> float:
        return value(run["prom"], expand_promql(query.expr, bot_id=BOT, __range="1h"), at=run["at"])

    assert panel(promql.claim_success_ratio()) == CLAIMS["success_rate"]
    assert panel(promql.CLAIMED_VALUE) == usd(run["chain"]["claimed_usd"])
    assert panel(promql.GAS_USD_IN_RANGE) == usd(run["chain"]["gas_usd"])
    assert panel(promql.FEES_USD_IN_RANGE) == usd(run["chain"]["fees_usd"])


def test_the_warehouse_views(run):
    v = views(run)
    rate = v["claim_success_rate"].sum()
    assert (rate["attempts"][0], rate["succeeded"][0], rate["expected_failures"][0], rate["counted"][0]) == (
        CLAIMS["attempts"], CLAIMS["succeeded"], CLAIMS["expected"], CLAIMS["counted"],
    )  # fmt: skip
    assert rate["succeeded"][0] / rate["counted"][0] == CLAIMS["success_rate"]
    roi = v["roi_by_protocol"].sum()
    gas = v["gas_costs_daily"].sum()
    wallets = v["costs_by_wallet"].sum()
    chain = run["chain"]
    for frame in (roi, wallets):
        assert frame["gas_usd"][0] == usd(chain["gas_usd"]) and frame["fees_usd"][0] == usd(chain["fees_usd"])
    assert gas["fee_usd"][0] == usd(chain["gas_usd"]) and gas["fees_usd"][0] == usd(chain["fees_usd"])
    assert gas["gas_used"][0] == wallets["gas_used"][0] == chain["gas_used"]
    assert gas["fee_native"][0] == usd(chain["fee_native"])
    assert roi["claimed_value_usd"][0] == usd(chain["claimed_usd"])
    assert v["airdrop_returns"]["value_at_claim_usd"].sum() == usd(chain["claimed_usd"])


def test_the_warehouse_is_exact_to_the_wei(run):
    with connect(run["warehouse"]) as conn:
        (fee_native, gas_usd, fees_usd, claimed), = conn.execute(
            "SELECT (SELECT sum(fee_native) FROM gas_costs_daily), (SELECT sum(fee_usd) FROM gas_costs_daily), "
            "(SELECT sum(fees_usd) FROM gas_costs_daily), (SELECT sum(claimed_value_usd) FROM roi_by_protocol)"
        )  # fmt: skip
    chain = run["chain"]
    assert Decimal(fee_native) == chain["fee_native"]  # wei are exact in numeric(38,18)
    assert Decimal(gas_usd) == chain["gas_usd"] and Decimal(fees_usd) == chain["fees_usd"]
    assert abs(Decimal(claimed) - chain["claimed_usd"]) < Decimal("1e-15")  # rounded to 18 places once


def test_prometheus_and_the_event_log_agree_in_the_warehouse(run):
    v = views(run)
    sources = v["prometheus_vs_events"]
    assert set(sources["measure"]) >= {"claims", "claims_succeeded", "transactions", "gas_used", "gas_usd", "fees_usd"}
    assert sources["agrees"].all(), sources
    by = {r["measure"]: r for r in sources.iter_rows(named=True)}
    chain = run["chain"]
    assert by["claims"]["prometheus"] == by["claims"]["events"] == CLAIMS["attempts"]
    assert by["gas_used"]["prometheus"] == by["gas_used"]["events"] == chain["gas_used"]
    assert by["fees_usd"]["prometheus"] == usd(chain["fees_usd"]) and by["gas_usd"]["events"] == usd(chain["gas_usd"])
    (ops,) = v["ops_daily"].filter(v["ops_daily"]["bot_id"] == BOT).rows(named=True)
    assert ops["gas_used"] == chain["gas_used"] and ops["gas_usd"] == usd(chain["gas_usd"])
    assert ops["fees_usd"] == usd(chain["fees_usd"])
    # every transaction the bot tried, claims included, mined or not (two never reached the node)
    assert ops["tx_count"] == len(run["scenario"]["steps"]) and ops["rpc_requests"] > 0


def test_the_analytics_dashboards_sql(run):
    assert panel_sql(run, sql.SUCCESS_RATIO) == CLAIMS["success_rate"]
    assert panel_sql(run, sql.ATTEMPTS) == CLAIMS["attempts"]
    assert panel_sql(run, sql.EXPECTED) == CLAIMS["expected"]
    assert panel_sql(run, sql.FAILED) == CLAIMS["counted"] - CLAIMS["succeeded"]
    chain = run["chain"]
    assert panel_sql(run, sql.GAS_TOTAL) == usd(chain["gas_usd"] + chain["fees_usd"])
    assert panel_sql(run, sql.CLAIMED_TOTAL) == usd(chain["claimed_usd"])
    assert panel_sql(run, sql.DISAGREEMENTS) == 0
    # the tables and series that show the same numbers per airdrop, chain, wallet or day
    (airdrop,) = panel_rows(run, sql.BY_AIRDROP)
    assert (airdrop["attempts"], airdrop["counted"], airdrop["success_rate"]) == (6, 4, CLAIMS["success_rate"])
    (per_chain,) = panel_rows(run, sql.RATE_BY_CHAIN)
    assert per_chain["success rate"] == CLAIMS["success_rate"]
    (per_day,) = panel_rows(run, sql.RATE_BY_PROTOCOL)
    assert per_day["value"] == CLAIMS["success_rate"]
    wallets = panel_rows(run, sql.WALLET_COSTS)
    assert column_sum(wallets, "gas_usd") == usd(chain["gas_usd"]) and column_sum(wallets, "fees_usd") == usd(
        chain["fees_usd"]
    )
    assert column_sum(panel_rows(run, sql.GAS_PER_DAY), "value") == usd(chain["gas_usd"])
    assert column_sum(panel_rows(run, sql.FEES_PER_DAY), "value") == usd(chain["fees_usd"])
    (costs,) = panel_rows(run, sql.COSTS_PER_DAY)
    assert (costs["gas"], costs["fees"]) == (usd(chain["gas_usd"]), usd(chain["fees_usd"]))
    assert column_sum(panel_rows(run, sql.PROTOCOL_TABLE), "claimed_value_usd") == usd(chain["claimed_usd"])


def test_the_analytics_functions_and_the_report(run):
    v = views(run)
    overall = success_rate(v["claim_success_rate"], by=[]).row(0, named=True)
    assert (overall["counted"], overall["success_rate"]) == (CLAIMS["counted"], CLAIMS["success_rate"])
    tracking = airdrop_tracking(v["claim_outcomes"], v["airdrop_returns"])
    (airdrop,) = tracking.rows(named=True)
    assert (airdrop["claims_attempted"], airdrop["claims_counted"], airdrop["success_rate"]) == (6, 4, 0.5)
    assert airdrop["value_at_claim_usd"] == usd(run["chain"]["claimed_usd"])
    capital = capital_locked(v["capital_flows"], datetime.now(UTC))
    roi = roi_by_protocol(v["gas_costs_daily"], tracking, capital)
    chain = run["chain"]
    assert roi["gas_usd"].sum() == usd(chain["gas_usd"]) and roi["fees_usd"].sum() == usd(chain["fees_usd"])
    assert gas_by_chain(v["gas_costs_daily"])["gas_used"].sum() == chain["gas_used"]
    data = compute(v)
    assert data.success_overall["success_rate"][0] == CLAIMS["success_rate"]
    assert data.roi_protocol["gas_usd"].sum() == usd(chain["gas_usd"])
    assert data.roi_protocol["fees_usd"].sum() == usd(chain["fees_usd"])
    assert data.tracking["value_at_claim_usd"].sum() == usd(chain["claimed_usd"])
    assert data.sources["agrees"].all()
    html = render(data, source="agreement", generated_at=datetime.now(UTC))
    assert '<div class="label">Claim success rate</div><div class="value">50.0%</div>' in html
    assert f'<div class="label">Gas spent</div><div class="value">${float(chain["gas_usd"]):,.2f}</div>' in html


# --- a site's own expected outcomes, everywhere alike ------------------------------------------------------

#: A site that counts RPC errors as outcomes, not faults (one rules/dashboards settings file, and the ETL's
#: $AIRDROPS_EXPECTED_CLAIM_REASONS): of the 6 attempts 3 count, 2 of them succeeded.
SITE = DEFAULT.with_overrides({"expected_claim_reasons": [*vocabulary.EXPECTED_CLAIM_REASONS, vocabulary.RPC_ERROR]})
SITE_RATE = 2 / 3


def test_a_sites_expected_outcomes_reach_the_rules_the_panels_the_views_and_the_report_alike(run):
    # the site's recording rule, evaluated by Prometheus where the recorded value would be
    name = "bot_id:airdrops_claim_failures:ratio_rate1h"
    (rule,) = [r for g in recording.groups(SITE) for r in g.rules if getattr(r, "record", None) == name]
    assert 1 - value(run["prom"], rule.expr, at=run["at"]) == pytest.approx(SITE_RATE, rel=1e-9)
    overview = value(run["prom"], expand_promql(promql.claim_success_ratio(SITE).expr, bot_id=BOT, __range="1h"),
                     at=run["at"])  # fmt: skip
    assert overview == pytest.approx(SITE_RATE, rel=1e-12)
    with connect(run["warehouse"]) as conn:
        assert definitions.sync(conn, SITE.expected_claim_reasons) == ["claim_reasons"]
        try:
            rate = views(run)["claim_success_rate"].sum()
            assert (rate["counted"][0], rate["expected_failures"][0]) == (3, 3)
            assert panel_sql(run, sql.SUCCESS_RATIO) == pytest.approx(SITE_RATE, rel=1e-12)
            assert compute(views(run)).success_overall["success_rate"][0] == pytest.approx(SITE_RATE, rel=1e-12)
        finally:
            assert definitions.sync(conn) == ["claim_reasons"]  # back to the vocabulary's, for the others
    assert panel_sql(run, sql.SUCCESS_RATIO) == CLAIMS["success_rate"]
