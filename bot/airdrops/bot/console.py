"""Run the live bot with a progress bar (used by `airdrops bot run` and `make demo`)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from airdrops.bot.live import LiveConfig, LiveSummary, run


def run_with_progress(config: LiveConfig, console: Console) -> LiveSummary:
    with Progress(
        TextColumn("[bold]bot[/]"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("starting the chain and deploying contracts", total=config.duration)

        def on_tick(summary: LiveSummary, elapsed: float) -> None:
            progress.update(
                task, completed=elapsed, description=f"{summary.transactions} tx, {summary.claims_succeeded} claims ok"
            )

        return run(config, on_tick=on_tick)
