"""The `airdrops` command: each layer's commands, assembled; the documents generated from the code; the demo.

Each layer defines its own commands beside its code (`airdrops.<layer>.cli`, a `register(app)`
function); this root only puts them together, importing nothing heavy (`airdrops --help` is fast).
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from pathlib import Path

import typer

#: The layers whose commands the root assembles, in the order `--help` lists them.
LAYERS = (
    "airdrops.bot.cli",
    "airdrops.collectors.cli",
    "airdrops.analytics.cli",
    "airdrops.rules.cli",
    "airdrops.dashboards.cli",
)

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


def _version(value: bool) -> None:
    if value:
        from importlib import metadata

        from airdrops.monitoring import __version__ as sdk

        typer.echo(f"airdrops {metadata.version('airdrops-stack')} (airdrops-monitoring {sdk})")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the versions and exit."
    ),
) -> None:
    """Observability and analytics for airdrop automation bots."""


class Format(StrEnum):
    md = "md"
    json = "json"


@metrics_app.command("catalog")
def metrics_catalog(fmt: Format = typer.Option(Format.md, "--format", help="md or json")) -> None:
    """Print every metric the system emits."""
    from airdrops.cli.docgen import metrics_md
    from airdrops.monitoring import catalog

    typer.echo(metrics_md() if fmt is Format.md else catalog.to_json())


@events_app.command("schema")
def events_schema(fmt: Format = typer.Option(Format.md, "--format", help="md or json")) -> None:
    """Print the event log schema."""
    from airdrops.monitoring import event_schema

    typer.echo(event_schema.to_markdown() if fmt is Format.md else event_schema.to_json())


@docs_app.command("build")
def docs_build() -> None:
    """Regenerate docs/metrics.md, events.md, sdk-config.md and module_deps.dot."""
    from rich.console import Console

    from airdrops.cli import docgen
    from airdrops.rules.build import changes, repo_root

    Console().print(changes(docgen.build(repo_root()), "docs"))


@app.command("demo")
def demo(
    duration: float = typer.Option(150.0, help="Seconds the bot runs (the RPC outage is at 30-90 s)."),
    wallets: int = typer.Option(5, help="Wallets to farm with."),
    out: Path = typer.Option(Path("demo-out"), help="Where the demo keeps its files."),
) -> None:
    """Local node, bot and Prometheus together; then a summary read back from Prometheus."""
    from rich.console import Console

    from airdrops.demo import run_demo

    run_demo(duration=duration, wallets=wallets, out=out, console=Console())


for _layer in LAYERS:
    importlib.import_module(_layer).register(app)

#: Errors a user can act on: shown as one line, not a traceback. Named, not imported, so that
#: `airdrops --help` stays light.
USER_ERRORS = frozenset(
    {
        "airdrops.collectors.errors.EtlError",
        "airdrops.collectors.warehouse.connect.WarehouseError",  # and WarehouseCorrupt
        "airdrops.collectors.warehouse.url.WarehouseURLError",
        "airdrops.collectors.config.ConfigError",
        "airdrops.analytics.query.MissingViewError",
        "airdrops.monitoring._internal.config.ConfigError",
        "airdrops.protocols.errors.ChainUnavailable",
    }
)


def main() -> None:
    """The `airdrops` command: what a user can fix is one line on stderr and exit status 1."""
    try:
        app()
    except Exception as exc:
        if not any(f"{c.__module__}.{c.__qualname__}" in USER_ERRORS for c in type(exc).__mro__):
            raise
        from rich.console import Console
        from rich.markup import escape

        Console(stderr=True).print(f"[bold red]error[/]: {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
