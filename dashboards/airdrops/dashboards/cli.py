"""`airdrops dashboards build`: regenerate dashboards/*.json beside these generators."""

from __future__ import annotations

import typer

app = typer.Typer(help="Grafana dashboards, generated from code.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add this layer's commands to the `airdrops` command."""
    root.add_typer(app, name="dashboards")


@app.command("build")
def dashboards_build() -> None:
    """Regenerate dashboards/*.json from dashboards/airdrops/dashboards/."""
    from rich.console import Console

    from airdrops.dashboards.build import build
    from airdrops.rules.build import changes, repo_root

    Console().print(changes(build(repo_root()), "dashboards"))
