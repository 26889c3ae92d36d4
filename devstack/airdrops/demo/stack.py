"""`make demo`: a local chain, the reference bot, Prometheus with the rules, Alertmanager, alerts.

Part way through, the bot's RPC connection to the node is cut for a minute (a real outage, through
a TCP proxy), so alerts fire and are delivered to a webhook receiver that prints them here and
appends them to `alerts.jsonl`. The summary is read back from Prometheus, as a dashboard would.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from airdrops.alerting import Channels, Timing, render
from airdrops.monitoring.vocabulary import BOT_JOB, EXPECTED_CLAIM_REASONS
from airdrops.protocols import LocalNode
from airdrops.rules.build import write as write_rules
from airdrops.rules.config import DEFAULT, BurnRateWindow, RulesConfig
from airdrops.rules.slo import counted_claims
from airdrops.services import Alertmanager, Prometheus, WebhookSink, free_port
from airdrops.services.outage import CuttableProxy
from airdrops.services.prometheus import scalar

#: The production rules with their waits shortened to fit a few minutes; thresholds unchanged.
DEMO_RULES: RulesConfig = DEFAULT.with_overrides(
    {
        "bot_down_for": "15s",
        "rpc_error_ratio_for": "15s",
        "rpc_min_requests": 5,
        "job_failure_for": "15s",
        "job_min_failures": 2,
        "burn_rate_windows": tuple(
            BurnRateWindow(w.long, w.short, w.factor, w.severity, "0s") for w in DEFAULT.burn_rate_windows
        ),
    }
)
DEMO_TIMING = Timing(group_wait="2s", group_interval="10s", repeat_interval="1h")

#: The claim success rate of the whole run, as the dashboards and the report define it.
CLAIM_SUCCESS_RATE = (
    'sum(airdrops_claim_attempts_total{outcome="success"})'
    f" / sum(airdrops_claim_attempts_total{{{counted_claims()}}})"
)
#: The ETL's step for the demo's Prometheus data: a run of minutes needs more than one point a minute.
DEMO_STEP_S = 5
SUMMARY_QUERIES = (
    ("bot scraped (up)", f'max(up{{job="{BOT_JOB}"}})', "{:.0f}"),
    ("transactions sent", "sum(airdrops_protocol_tx_total)", "{:.0f}"),
    ("transactions failed", 'sum(airdrops_protocol_tx_total{outcome="failure"}) or vector(0)', "{:.0f}"),
    ("claims succeeded", 'sum(airdrops_claim_attempts_total{outcome="success"}) or vector(0)', "{:.0f}"),
    (
        "claims failed (faults)",
        f'sum(airdrops_claim_attempts_total{{outcome="failure", {counted_claims()}}}) or vector(0)',
        "{:.0f}",
    ),
    (
        "claims ending in an expected outcome",
        f'sum(airdrops_claim_attempts_total{{outcome="failure", reason=~"{"|".join(EXPECTED_CLAIM_REASONS)}"}}) '
        "or vector(0)",
        "{:.0f}",
    ),
    ("claim success rate (succeeded / counted)", CLAIM_SUCCESS_RATE, "{:.1%}"),
    ("claimed value (USD)", "sum(airdrops_claim_value_usd_total) or vector(0)", "{:,.2f}"),
    ("gas used", "sum(airdrops_protocol_gas_used_total)", "{:,.0f}"),
    ("gas cost (USD)", "sum(airdrops_protocol_gas_cost_usd_total)", "{:,.4f}"),
    ("swap and bridge fees (USD)", "sum(airdrops_protocol_fees_usd_total) or vector(0)", "{:,.4f}"),
    ("RPC requests", "sum(airdrops_rpc_request_duration_seconds_count)", "{:,.0f}"),
    ("RPC errors", "sum(airdrops_rpc_request_errors_total) or vector(0)", "{:.0f}"),
    (
        "RPC p95 latency (s)",
        "histogram_quantile(0.95, sum by (le) (airdrops_rpc_request_duration_seconds_bucket))",
        "{:.4f}",
    ),
    ("scheduler job failures", 'sum(airdrops_scheduler_job_runs_total{outcome="failure"}) or vector(0)', "{:.0f}"),
    ("risk breaches", "sum(airdrops_risk_breaches_total) or vector(0)", "{:.0f}"),
    ("portfolio value (USD)", "max(airdrops_portfolio_value_usd)", "{:,.2f}"),
    ("events dropped", "sum(airdrops_sdk_events_dropped_total) or vector(0)", "{:.0f}"),
)


class Outage:
    """Cuts the proxy at `start` seconds into the run and restores it `length` seconds later."""

    def __init__(self, proxy: CuttableProxy, start: float, length: float, console: Console) -> None:
        self.proxy, self.start, self.length, self.console = proxy, start, length, console

    def __call__(self, _summary: Any, elapsed: float) -> None:
        if self.start <= elapsed < self.start + self.length and not self.proxy.is_cut:
            self.proxy.cut()
            self.console.print(f"[bold red]RPC outage[/]: the bot's node is unreachable for {self.length:.0f} s")
        elif elapsed >= self.start + self.length and self.proxy.is_cut:
            self.proxy.restore()
            self.console.print("[bold green]RPC restored[/]")


def alert_printer(console: Console) -> Any:
    """Print each alert once per state change (notifications repeat the whole group)."""
    seen: dict[frozenset[tuple[str, str]], str] = {}

    def show(payload: dict[str, Any]) -> None:
        for a in payload.get("alerts", []):
            labels = a["labels"]
            key = frozenset(labels.items())
            if labels.get("alertname") == "Watchdog" or seen.get(key) == a["status"]:
                continue
            seen[key] = a["status"]
            colour = "red" if a["status"] == "firing" else "green"
            extra = " ".join(f"{k}={labels[k]}" for k in ("job_name", "long", "stream") if k in labels)
            console.print(
                f"[bold {colour}]ALERT {a['status']}[/] {labels.get('severity', '-'):8} "
                f"{labels.get('alertname')} bot={labels.get('bot_id', '-')} {extra}: "
                f"{a['annotations'].get('summary', '')}"
            )

    return show


def run_demo(
    duration: float, wallets: int, out: Path, console: Console, outage_at: float = 30.0, outage_for: float = 60.0
) -> None:
    from airdrops.bot.console import run_with_progress
    from airdrops.bot.live import LiveConfig

    logging.basicConfig(level=logging.CRITICAL)  # the alerts tell the story; the logs would drown them
    out = out.resolve()
    for stale in ("prometheus", "alertmanager", "rules"):
        shutil.rmtree(out / stale, ignore_errors=True)
    (out / "alerts.jsonl").unlink(missing_ok=True)
    rule_files = write_rules(out / "rules", DEMO_RULES)
    port = free_port()
    console.print(
        f"[bold]airdrops demo[/]: local chain, bot (/metrics on 127.0.0.1:{port}), Prometheus with "
        f"{len(rule_files)} rule files, Alertmanager; {duration:.0f} s with an RPC outage at {outage_at:.0f} s"
    )
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(WebhookSink(log=out / "alerts.jsonl", on_alert=alert_printer(console)))
        am = stack.enter_context(
            Alertmanager(out / "alertmanager", render(Channels(webhook_url=sink.url), DEMO_TIMING))
        )
        prom = stack.enter_context(
            Prometheus(
                out / "prometheus",
                targets=[f"127.0.0.1:{port}"],
                rule_files=rule_files,
                alertmanagers=[f"127.0.0.1:{am.port}"],
            )
        )
        node = stack.enter_context(LocalNode())
        host, node_port = node.url.removeprefix("http://").rsplit(":", 1)
        proxy = stack.enter_context(CuttableProxy(host, int(node_port)))
        console.print(f"Prometheus {prom.url}/alerts   Alertmanager {am.url}")
        config = LiveConfig(
            wallets=wallets,
            duration=duration,
            metrics_port=port,
            events_dir=str(out / "events"),
            bot_id="demo-bot",
            rpc_url=proxy.url,
            rpc_provider="local",
        )
        summary = run_with_progress(config, console, on_tick=Outage(proxy, outage_at, outage_for, console))
        time.sleep(2.5)  # let Prometheus take a last scrape before the summary
        table = Table(title="Summary, read back from Prometheus")
        table.add_column("what")
        table.add_column("value", justify="right")
        for label, promql, fmt in SUMMARY_QUERIES:
            table.add_row(label, fmt.format(scalar(prom.url, promql)))
        console.print(table)
        analytics(out, prom.url, console)
    fired = sorted({a["labels"]["alertname"] for a in sink.alerts() if a["labels"]["alertname"] != "Watchdog"})
    console.print(f"alerts delivered: {', '.join(fired) or 'none'} (all notifications: {out / 'alerts.jsonl'})")
    console.print(f"event log: {summary.events_path}")


def analytics(out: Path, prometheus_url: str, console: Console, days: int = 28, wallets: int = 20) -> None:
    """Weeks of history, the ETL (events and Prometheus) into the warehouse, and the HTML report."""
    from airdrops.analytics import build_report
    from airdrops.collectors.config import MetricsConfig, default_queries
    from airdrops.collectors.metrics_stream import run_metrics
    from airdrops.collectors.pipeline import run_events
    from airdrops.collectors.reconcile import check_sources
    from airdrops.collectors.warehouse import WarehouseURL, connect

    url = WarehouseURL.parse(os.environ.get("WAREHOUSE_URL") or f"duckdb:///{out / 'airdrops.duckdb'}")
    events = out / "events"
    with console.status(f"history mode: {days} simulated days, {wallets} wallets"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "airdrops.cli.main",
                "bot",
                "run",
                "--simulate-days",
                str(days),
                "--wallets",
                str(wallets),
                "--seed",
                "7",
                "--events-dir",
                str(events),
                "--bot-id",
                "history-bot",
                "--start",
                (date.today() - timedelta(days=days)).isoformat(),
            ],
            check=True,
            capture_output=True,
        )
    with console.status(f"ETL into {url.redacted}"):
        result = run_events(url, str(events))
        # the bot has stopped and been scraped a last time: load up to now, at a step that fits a short run
        config = MetricsConfig(queries=default_queries(DEMO_STEP_S))
        metrics = run_metrics(url, config, prometheus=prometheus_url, until=time.time())
        with connect(url) as conn:  # the demo bot has stopped and was scraped since: today is complete for it
            today = datetime.now(UTC).date()
            disagreements = check_sources(conn, today, today + timedelta(days=1))
    console.print(
        f"ETL: {result.loaded:,} events loaded ({result.quarantined} quarantined), "
        f"{sum(m.loaded for m in metrics):,} Prometheus samples, into {url.redacted}; "
        + (
            f"[bold yellow]{len(disagreements)} Prometheus vs event log disagreement(s)[/]"
            if disagreements
            else "Prometheus and the event log agree"
        )
    )
    with console.status("building the report"):
        report = build_report(url.url, out / "report")
    console.print(f"[bold]report[/]: {report.resolve()}")
