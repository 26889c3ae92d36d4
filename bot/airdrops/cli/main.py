"""The `airdrops` command line."""

from __future__ import annotations

from enum import StrEnum

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

    changed = docgen.build(docgen.repo_root())
    for path in changed:
        console.print(f"wrote {path}")
    if not changed:
        console.print("docs are up to date")


def _register_bot() -> None:
    from airdrops.cli import bot_cmd

    app.add_typer(bot_cmd.bot_app, name="bot")
    app.command("demo")(bot_cmd.demo)


_register_bot()

if __name__ == "__main__":
    app()
