"""`airdrops rules build` and `airdrops alerting build`: regenerate the files beside these generators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from airdrops.rules.config import SETTINGS_HELP

rules_app = typer.Typer(help="Prometheus recording and alerting rules, generated from code.", no_args_is_help=True)
alerting_app = typer.Typer(help="The Alertmanager configuration, generated from code.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add this layer's commands to the `airdrops` command."""
    app.add_typer(rules_app, name="rules")
    app.add_typer(alerting_app, name="alerting")


def settings(config: Path | None) -> Any:
    """The rules' settings: the defaults, or the file `config` over them; a wrong file is one line and exit 2."""
    from airdrops.rules.config import DEFAULT, RulesConfigError, load_file

    if config is None:
        return DEFAULT
    try:
        return load_file(config)
    except RulesConfigError as exc:
        errors.print(f"[bold red]error[/]: {exc}", highlight=False)
        raise typer.Exit(2) from None


@rules_app.command("build")
def rules_build(
    config: Path = typer.Option(None, "--config", help=SETTINGS_HELP),
    out: Path = typer.Option(None, "--out", help="Directory to write into (default: the checkout's rules/)."),
) -> None:
    """Regenerate rules/recording.yml and rules/alerts.yml from rules/airdrops/rules/."""
    from airdrops.rules.build import build, changes, repo_root

    root = repo_root() if out is None else out
    console.print(changes(build(root, settings(config), out), "rules"))


@alerting_app.command("build")
def alerting_build() -> None:
    """Regenerate rules/alertmanager/alertmanager.yml (webhook receiver only)."""
    from airdrops.alerting import render
    from airdrops.rules.build import changes, repo_root

    path = repo_root() / "rules/alertmanager/alertmanager.yml"
    content = render()
    changed = not path.exists() or path.read_text() != content
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    console.print(changes([path] if changed else [], "the Alertmanager configuration"))
