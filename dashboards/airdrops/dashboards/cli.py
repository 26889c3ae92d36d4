"""`airdrops dashboards build`: regenerate dashboards/*.json beside these generators."""

from __future__ import annotations

from pathlib import Path

import typer

from airdrops.rules.config import SETTINGS_HELP

app = typer.Typer(help="Grafana dashboards, generated from code.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add this layer's commands to the `airdrops` command."""
    root.add_typer(app, name="dashboards")


@app.command("build")
def dashboards_build(
    config: Path = typer.Option(None, "--config", help=SETTINGS_HELP + " The same file as `airdrops rules build`'s."),
    out: Path = typer.Option(None, "--out", help="Directory to write into (default: the checkout's dashboards/)."),
) -> None:
    """Regenerate dashboards/*.json from dashboards/airdrops/dashboards/."""
    from rich.console import Console

    from airdrops.dashboards.build import build
    from airdrops.rules.build import changes, repo_root
    from airdrops.rules.config import DEFAULT, RulesConfigError, load_file

    try:
        cfg = load_file(config) if config is not None else DEFAULT
    except RulesConfigError as exc:
        Console(stderr=True).print(f"[bold red]error[/]: {exc}", highlight=False)
        raise typer.Exit(2) from None
    Console().print(changes(build(repo_root() if out is None else out, cfg, out), "dashboards"))
