"""Run the live bot with a progress bar (used by `airdrops bot run` and `make demo`)."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from airdrops.bot.live import LiveConfig, LiveSummary, run


def run_with_progress(
    config: LiveConfig, console: Console, on_tick: Callable[[LiveSummary, float], None] | None = None
) -> LiveSummary:
    """`live.run` with a progress bar; `on_tick(summary, elapsed)` is called about every second too."""
    with Progress(
        TextColumn("[bold]bot[/]"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(
            "starting the chain and deploying contracts", total=config.duration if config.duration > 0 else None
        )

        def tick(summary: LiveSummary, elapsed: float) -> None:
            if on_tick is not None:
                on_tick(summary, elapsed)
            progress.update(
                task, completed=elapsed, description=f"{summary.transactions} tx, {summary.claims_succeeded} claims ok"
            )

        return run(config, on_tick=tick)
