"""`airdrops report`: the static HTML report, read from the warehouse."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from airdrops.collectors.config import WAREHOUSE_HELP

console = Console()


def register(app: typer.Typer) -> None:
    """Add this layer's commands to the `airdrops` command."""
    app.command("report")(report)


def report(
    out: Path = typer.Option(Path("report"), help="Directory of the HTML report."),
    warehouse: str = typer.Option(None, "--warehouse", envvar="WAREHOUSE_URL", help=WAREHOUSE_HELP),
) -> None:
    """Build the static HTML report (claim success, ROI, portfolio, what to change) from the warehouse."""
    from airdrops.analytics import build_report
    from airdrops.collectors.warehouse.url import WarehouseURLError

    try:
        path = build_report(warehouse, out)
    except WarehouseURLError as exc:
        console.print(f"[bold red]bad warehouse URL[/]: {exc}")
        raise typer.Exit(2) from None
    console.print(f"report: {path.resolve()}")
