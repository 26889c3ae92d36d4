"""`airdrops bot`: the reference bot, live on a chain or over simulated history."""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="The reference airdrop bot.", no_args_is_help=True)
console = Console()


def register(root: typer.Typer) -> None:
    """Add this layer's commands to the `airdrops` command."""
    root.add_typer(app, name="bot")


@app.command("run")
def run(
    wallets: int = typer.Option(5, help="Wallets to farm with."),
    duration: float = typer.Option(
        120.0, help="Seconds to run (live mode); 0 runs until SIGTERM (a service). Ctrl-C stops early."
    ),
    rpc_url: str = typer.Option(
        None,
        envvar="AIRDROPS_RPC_URL",
        help="JSON-RPC URL of a dev chain (may hold an API key: prefer the variable); default: a local anvil.",
    ),
    metrics_port: int = typer.Option(None, help="Port of /metrics (default 9464 or OTEL_EXPORTER_PROMETHEUS_PORT)."),
    events_dir: str = typer.Option(None, help="Event log directory (default ./events or AIRDROPS_EVENTS_DIR)."),
    simulate_days: int = typer.Option(None, help="History mode: simulate this many days, no chain."),
    seed: int = typer.Option(7, help="Random seed; history mode is deterministic for a given seed."),
    bot_id: str = typer.Option(None, help="Identity on every series and event (default from the environment)."),
    tick: float = typer.Option(2.0, help="Live mode: seconds between farming actions."),
    start: str = typer.Option("2025-01-01", help="History mode: first simulated day (ISO date, UTC)."),
) -> None:
    """Run the bot live against a chain, or `--simulate-days N` to write weeks of history fast."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if simulate_days is not None:
        _simulate(simulate_days, wallets, seed, events_dir or "events", bot_id, _utc(start))
        return
    signal.signal(signal.SIGTERM, _stop)  # systemd stops a service with SIGTERM: flush and exit cleanly
    from airdrops.bot.console import run_with_progress
    from airdrops.bot.live import LiveConfig

    config = LiveConfig(
        wallets=wallets,
        duration=duration,
        rpc_url=rpc_url,
        metrics_port=metrics_port,
        events_dir=events_dir,
        bot_id=bot_id,
        seed=seed,
        tick=tick,
    )
    summary = run_with_progress(config, console)
    table = Table(title="Live run")
    table.add_column("what")
    table.add_column("value", justify="right")
    for label, value in (
        ("RPC", summary.rpc_url),
        ("metrics", summary.metrics_url or "not served"),
        ("transactions", summary.transactions),
        ("failed transactions", summary.failed_transactions),
        ("claims succeeded", summary.claims_succeeded),
        ("claims failed", summary.claims_failed),
        ("gas used", f"{summary.gas_used:,}"),
        ("refused by risk limits", summary.refused_by_risk),
        ("chain errors", summary.chain_errors),
        ("portfolio (USD)", f"{summary.portfolio_usd:,.2f}"),
        ("event log", summary.events_path or "-"),
    ):
        table.add_row(label, str(value))
    console.print(table)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _utc(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"--start {text!r} is not an ISO date such as 2025-01-01") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _simulate(days: int, wallets: int, seed: int, events_dir: str, bot_id: str | None, start: datetime) -> None:
    from airdrops import monitoring
    from airdrops.history import simulate

    handle = monitoring.configure(
        "airdrops-history", bot_id=bot_id or f"history-{seed}", port=0, events_dir=events_dir, instrument_requests=False
    )
    with console.status(f"simulating {days} days with {wallets} wallets"):
        result = simulate(days=days, wallets=wallets, seed=seed, start=start)
        handle.flush(timeout=60)
    handle.shutdown()
    table = Table(title=f"History: {days} days, {wallets} wallets, seed {seed}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for label, value in (
        ("period", f"{result.start:%Y-%m-%d} .. {result.end:%Y-%m-%d}"),
        ("transactions by action", ", ".join(f"{k} {v}" for k, v in sorted(result.tx_by_action.items()))),
        ("failed transactions", ", ".join(f"{k} {v}" for k, v in sorted(result.tx_failed.items())) or "0"),
        ("claims", ", ".join(f"{k} {v}" for k, v in sorted(result.claims.items()))),
        ("claimed value (USD)", f"{result.claimed_value_usd:,.2f}"),
        ("gas (USD)", f"{result.gas_usd:,.2f}"),
        ("swap and bridge fees (USD)", f"{result.fees_usd:,.2f}"),
        ("airdrop tokens sold (USD)", f"{result.sold_usd:,.2f}"),
        ("portfolio (USD)", f"{result.initial_portfolio_usd:,.2f} -> {result.final_portfolio_usd:,.2f}"),
        ("events written", f"{result.events:,}"),
    ):
        table.add_row(label, str(value))
    console.print(table)
    console.print(f"event log: {Path(events_dir).resolve()}")
