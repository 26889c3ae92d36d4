"""`make demo`: a local chain, the reference bot and a Prometheus scraping it, then a summary.

The summary is read back from Prometheus (not from the bot's memory), so it shows what a
dashboard or an alert would see.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from airdrops.services import Prometheus, free_port
from airdrops.services.prometheus import scalar

SUMMARY_QUERIES = (
    ("bot scraped (up)", 'max(up{job="airdrops-bot"})', "{:.0f}"),
    ("transactions sent", "sum(airdrops_protocol_tx_total)", "{:.0f}"),
    ("transactions failed", 'sum(airdrops_protocol_tx_total{outcome="failure"})', "{:.0f}"),
    ("claims succeeded", 'sum(airdrops_claim_attempts_total{outcome="success"})', "{:.0f}"),
    ("claims failed", 'sum(airdrops_claim_attempts_total{outcome="failure"})', "{:.0f}"),
    ("claimed value (USD)", "sum(airdrops_claim_value_usd_total)", "{:,.2f}"),
    ("gas used", "sum(airdrops_protocol_gas_used_total)", "{:,.0f}"),
    ("gas cost (USD)", "sum(airdrops_protocol_gas_cost_usd_total)", "{:,.4f}"),
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


def run_demo(duration: float, wallets: int, out: Path, console: Console) -> None:
    from airdrops.bot.console import run_with_progress
    from airdrops.bot.live import LiveConfig

    out = out.resolve()
    shutil.rmtree(out / "prometheus", ignore_errors=True)
    port = free_port()
    events = out / "events"
    console.print(
        f"[bold]airdrops demo[/]: local chain + bot (/metrics on 127.0.0.1:{port}) + Prometheus, {duration:.0f} s"
    )
    with Prometheus(out / "prometheus", targets=[f"127.0.0.1:{port}"]) as prom:
        console.print(f"Prometheus: {prom.url}  (try: {prom.url}/graph?g0.expr=airdrops_protocol_tx_total)")
        config = LiveConfig(
            wallets=wallets, duration=duration, metrics_port=port, events_dir=str(events), bot_id="demo-bot"
        )
        summary = run_with_progress(config, console)
        time.sleep(2.5)  # let Prometheus take a last scrape before the endpoint goes away
        table = Table(title="Summary, read back from Prometheus")
        table.add_column("what")
        table.add_column("value", justify="right")
        for label, promql, fmt in SUMMARY_QUERIES:
            table.add_row(label, fmt.format(scalar(prom.url, promql)))
        console.print(table)
    console.print(f"event log: {summary.events_path}")
    console.print(f"Prometheus data: {out / 'prometheus'}; bot RPC: {summary.rpc_url}")
