"""The `airdrops` command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(
    help="Observability and analytics for airdrop automation bots.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
metrics_app = typer.Typer(help="The metric catalogue.", no_args_is_help=True)
events_app = typer.Typer(help="The event log schema.", no_args_is_help=True)
docs_app = typer.Typer(help="Documents generated from the code.", no_args_is_help=True)
rules_app = typer.Typer(help="Prometheus recording and alerting rules, generated from code.", no_args_is_help=True)
alerting_app = typer.Typer(help="The Alertmanager configuration, generated from code.", no_args_is_help=True)
dashboards_app = typer.Typer(help="Grafana dashboards, generated from code.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(alerting_app, name="alerting")
app.add_typer(dashboards_app, name="dashboards")
app.add_typer(metrics_app, name="metrics")
app.add_typer(events_app, name="events")
app.add_typer(docs_app, name="docs")
console = Console()


class Format(StrEnum):
    md = "md"
    json = "json"


@metrics_app.command("catalog")
def metrics_catalog(fmt: Format = typer.Option(Format.md, "--format", help="md or json")) -> None:
    """Print every metric the system emits."""
    from airdrops.monitoring import catalog

    typer.echo(catalog.to_markdown() if fmt is Format.md else catalog.to_json())


@events_app.command("schema")
def events_schema(fmt: Format = typer.Option(Format.md, "--format", help="md or json")) -> None:
    """Print the event log schema."""
    from airdrops.monitoring import event_schema

    typer.echo(event_schema.to_markdown() if fmt is Format.md else event_schema.to_json())


@docs_app.command("build")
def docs_build() -> None:
    """Regenerate docs/metrics.md, events.md, sdk-config.md and module_deps.dot."""
    from airdrops.cli import docgen

    _report(docgen.build(docgen.repo_root()), "docs")


def _report(changed: list[Path], what: str) -> None:
    for path in changed:
        console.print(f"wrote {path}")
    if not changed:
        console.print(f"{what}: up to date")


@rules_app.command("build")
def rules_build() -> None:
    """Regenerate rules/recording.yml and rules/alerts.yml from bot/airdrops/rules/."""
    from airdrops.cli.docgen import repo_root
    from airdrops.rules.build import build

    _report(build(repo_root()), "rules")


@alerting_app.command("build")
def alerting_build() -> None:
    """Regenerate rules/alertmanager/alertmanager.yml (webhook receiver only)."""
    from airdrops.alerting import render
    from airdrops.cli.docgen import repo_root

    path = repo_root() / "rules/alertmanager/alertmanager.yml"
    content = render()
    changed = not path.exists() or path.read_text() != content
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    _report([path] if changed else [], "the Alertmanager configuration")


@dashboards_app.command("build")
def dashboards_build() -> None:
    """Regenerate dashboards/*.json from bot/airdrops/dashboards/."""
    from airdrops.cli.docgen import repo_root
    from airdrops.dashboards.build import build

    _report(build(repo_root()), "dashboards")


def _register_bot() -> None:
    from airdrops.cli import bot_cmd, etl_cmd

    app.add_typer(etl_cmd.warehouse_app, name="warehouse")
    app.add_typer(etl_cmd.etl_app, name="etl")
    app.add_typer(etl_cmd.prices_app, name="prices")
    app.command("report")(etl_cmd.report)

    app.add_typer(bot_cmd.bot_app, name="bot")
    app.command("demo")(bot_cmd.demo)


_register_bot()

if __name__ == "__main__":
    app()
