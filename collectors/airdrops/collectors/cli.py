"""`airdrops warehouse`, `airdrops etl` and `airdrops prices`: the ETL and its warehouse."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table

from airdrops.collectors.config import WAREHOUSE_HELP
from airdrops.monitoring.vocabulary import COLLECTOR_JOB, EXPECTED_CLAIM_REASONS, EXPECTED_CLAIM_REASONS_ENV, PORTS

warehouse_app = typer.Typer(
    help="The warehouse: PostgreSQL, or an embedded DuckDB file by default.", no_args_is_help=True
)
etl_app = typer.Typer(help="The ETL: Prometheus and the bots' event logs into the warehouse.", no_args_is_help=True)
prices_app = typer.Typer(help="Prices for real tokens, from files you supply (no network calls).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add this layer's commands to the `airdrops` command."""
    app.add_typer(warehouse_app, name="warehouse")
    app.add_typer(etl_app, name="etl")
    app.add_typer(prices_app, name="prices")


EXPECTED_HELP = (
    "Comma-separated failure reasons that are expected outcomes, not faults (default: "
    f"{','.join(EXPECTED_CLAIM_REASONS)}); give the rules and dashboards the same `expected_claim_reasons`."
)
#: The collector's own /metrics port in `--every` mode (bots use another).
COLLECTOR_PORT = PORTS.collector_metrics


def parse_every(text: str) -> float:
    """`30s`, `5m`, `1h30m` -> seconds: the ETL configuration's duration grammar (`collectors.config.seconds`)."""
    from airdrops.collectors.config import ConfigError, seconds

    try:
        interval = seconds(text)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    if interval < 1:
        raise typer.BadParameter(f"{text!r}: the interval must be at least 1s")
    return interval


@warehouse_app.command("migrate")
def migrate(
    warehouse: str = typer.Option(None, "--warehouse", envvar="WAREHOUSE_URL", help=WAREHOUSE_HELP),
    expected_claim_reasons: str = typer.Option(
        None, envvar=EXPECTED_CLAIM_REASONS_ENV, help=EXPECTED_HELP, show_default=False
    ),
) -> None:
    """Apply the schema migrations (idempotent)."""
    from airdrops.collectors.warehouse import migrate as apply

    _use_expected_reasons(expected_claim_reasons)
    url = _url(warehouse)
    applied = apply(url)
    console.print(f"{url.redacted}: " + (f"applied {', '.join(map(str, applied))}" if applied else "up to date"))


@warehouse_app.command("check")
def check(warehouse: str = typer.Option(None, "--warehouse", envvar="WAREHOUSE_URL", help=WAREHOUSE_HELP)) -> None:
    """Read the warehouse through once (a damaged DuckDB file is named here, not found by a report later) and
    recount every rollup from the events (exit 1 when one differs)."""
    from airdrops.collectors.warehouse import connect, rollups
    from airdrops.collectors.warehouse.verify import verify

    url = _url(warehouse)
    with connect(url) as conn:
        tables = verify(conn)
        _require_migrated(conn, url.redacted)
        stale = rollups.differing(conn)
    console.print(
        f"{url.redacted}: " + (f"{tables} tables read back whole" if tables else "PostgreSQL checks its own pages")
    )
    if stale:
        _error(
            f"rollups differ from the events they count: {', '.join(stale)} (rows written around the ETL?); "
            "`airdrops warehouse rebuild-rollups` recounts them"
        )
        raise typer.Exit(1)
    console.print(f"{len(rollups.ROLLUPS)} rollups agree with the events")


@warehouse_app.command("rebuild-rollups")
def rebuild_rollups(
    warehouse: str = typer.Option(None, "--warehouse", envvar="WAREHOUSE_URL", help=WAREHOUSE_HELP),
) -> None:
    """Recount every rollup from the stored events (after rows were written or deleted by hand)."""
    from airdrops.collectors.warehouse import connect, rollups

    url = _url(warehouse)
    with connect(url) as conn:
        _require_migrated(conn, url.redacted)
        rollups.rebuild(conn)
    console.print(f"{url.redacted}: {len(rollups.ROLLUPS)} rollups recounted")


def _require_migrated(conn: Any, name: str) -> None:
    """The rollups are this version's: on an older schema, say so instead of failing on a missing column."""
    from airdrops.collectors.warehouse.migrate import pending

    if pending(conn):
        _error(f"{name} needs `airdrops warehouse migrate` first")
        raise typer.Exit(1)


@prices_app.command("import")
def import_prices(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file: ts,token,price_usd[,source]."),
    warehouse: str = typer.Option(None, "--warehouse", envvar="WAREHOUSE_URL", help=WAREHOUSE_HELP),
    source: str = typer.Option(None, help="Where the prices come from (default: the file's name)."),
) -> None:
    """Import a price file (docs/analytics.md, "Prices"): refused whole, with every bad row named, if one is bad."""
    from airdrops.collectors.errors import EtlError
    from airdrops.collectors.prices import PriceFileError, import_prices as load

    url = _url(warehouse)
    try:
        result = load(url, path, source)
    except (PriceFileError, EtlError) as exc:
        console.print(f"[bold red]not imported[/]: {exc}")
        raise typer.Exit(1) from None
    console.print(
        f"{result.rows} prices from {path.name} into {url.redacted} (stream {result.stream}): "
        f"{result.loaded} new, {result.duplicates} already there"
    )


@etl_app.command("run")
def run(
    warehouse: str = typer.Option(None, "--warehouse", envvar="WAREHOUSE_URL", help=WAREHOUSE_HELP),
    prometheus: str = typer.Option(
        None,
        envvar="AIRDROPS_PROMETHEUS_URL",
        help="Prometheus (or Thanos, Mimir, VictoriaMetrics) base URL; may hold credentials: prefer the variable.",
    ),
    prometheus_ca_file: str = typer.Option(
        None, envvar="AIRDROPS_PROMETHEUS_CA_FILE", help="CA certificate (PEM) to verify Prometheus' HTTPS with."
    ),
    config: str = typer.Option(
        None,
        envvar="AIRDROPS_ETL_CONFIG",
        help="YAML of the metric streams: Prometheus auth, TLS, headers, queries (docs/operations.md, "
        "'The ETL's settings'); loads the metrics even without --prometheus.",
    ),
    events_dir: str = typer.Option(None, help="Event log directory (default $AIRDROPS_EVENTS_DIR, else ./events)."),
    since: str | None = typer.Option(None, help="Prometheus window start (RFC 3339 or unix s); default: watermark."),
    until: str | None = typer.Option(None, help="Prometheus window end (default: now)."),
    every: str = typer.Option(None, help="Run again every interval (e.g. 5m), serving the ETL's own /metrics."),
    metrics_port: int = typer.Option(COLLECTOR_PORT, help="/metrics port in --every mode."),
    source: str = typer.Option(
        "",
        envvar="AIRDROPS_EVENTS_SOURCE",
        help="Name of this host's event logs when several collectors share a warehouse (stream events:<source>).",
    ),
    events_retention: str = typer.Option(
        None,
        envvar="AIRDROPS_EVENTS_RETENTION",
        help="After each run, delete event files loaded to their end, rotated, and older than this (e.g. 30d).",
    ),
    metrics_retention: str = typer.Option(
        None,
        envvar="AIRDROPS_METRICS_RETENTION",
        help="After each run, forget the months of metric samples that ended longer ago than this (e.g. 400d).",
    ),
    detach_expired_months: bool = typer.Option(
        False, envvar="AIRDROPS_DETACH_EXPIRED_MONTHS", help="PostgreSQL: detach those months' partitions, not drop."
    ),
    expected_claim_reasons: str = typer.Option(
        None, envvar=EXPECTED_CLAIM_REASONS_ENV, help=EXPECTED_HELP, show_default=False
    ),
) -> None:
    """Load the event logs (and Prometheus, when given) into the warehouse, once or on a schedule.

    Nothing is ever deleted unless a retention is given.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from airdrops import monitoring
    from airdrops.collectors.retention import RetentionPolicy

    _use_expected_reasons(expected_claim_reasons)
    interval = parse_every(every) if every else None
    policy = RetentionPolicy(
        events_max_age_s=parse_every(events_retention) if events_retention else None,
        metrics_max_age_s=parse_every(metrics_retention) if metrics_retention else None,
        detach_only=detach_expired_months,
    )
    monitoring.configure(COLLECTOR_JOB, port=metrics_port if interval else 0, events_dir="")
    url = _url(warehouse)
    metrics = _metrics_config(prometheus, prometheus_ca_file, config)
    while True:
        ok = _run_once(url, metrics, events_dir, source, since, until)
        ok = _retain(url, events_dir, source, policy) and ok
        if interval is None:
            raise typer.Exit(0 if ok else 1)
        console.print(f"next run in {interval:.0f} s")
        time.sleep(interval)
        since = until = None  # later runs resume from the watermarks


def _use_expected_reasons(text: str | None) -> None:
    """Check the site's expected outcomes and hand them to every warehouse sync of this process.

    A wrong name is one line and exit 2, before anything is opened.
    """
    import os

    from airdrops.collectors.warehouse.definitions import configured_expected

    if not text:
        return
    try:
        chosen = configured_expected({EXPECTED_CLAIM_REASONS_ENV: text})
    except ValueError as exc:
        _error(f"--expected-claim-reasons: {exc}")
        raise typer.Exit(2) from None
    os.environ[EXPECTED_CLAIM_REASONS_ENV] = ",".join(chosen)


def _metrics_config(prometheus: str | None, ca_file: str | None, path: str | None = None) -> Any:
    """The metric streams' configuration: the file at `path` (else the defaults), reading `prometheus`
    when given; None when neither a URL nor a file is given. A wrong file is one line and exit 2."""
    from dataclasses import replace

    from airdrops.collectors.config import ConfigError, MetricsConfig, load_config

    if not prometheus and not path:
        return None
    try:
        config = load_config(path) if path else MetricsConfig()
    except ConfigError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    config = config.with_url(prometheus or None)
    return replace(config, prometheus=replace(config.prometheus, ca_file=Path(ca_file))) if ca_file else config


def _run_once(
    url: Any, metrics: Any, events_dir: str | None, source: str, since: str | None, until: str | None
) -> bool:
    from airdrops.collectors.config import EventsConfig
    from airdrops.collectors.errors import EtlError
    from airdrops.collectors.pipeline import run_events

    config = EventsConfig(source=source)
    ok = True
    table = Table(title="ETL run")
    for col in ("stream", "status", "extracted", "loaded", "duplicates", "quarantined", "seconds"):
        table.add_column(col, justify="right" if col != "stream" else "left")
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task(config.stream, total=None)

        def on_chunk(p: Any) -> None:
            progress.update(task, completed=p.bytes_done, total=p.bytes_total)

        try:
            r = run_events(url, events_dir, progress=on_chunk, config=config)
            table.add_row(
                r.stream,
                r.status,
                str(r.lines),
                str(r.loaded),
                str(r.duplicates),
                str(r.quarantined),
                f"{r.duration_s:.1f}",
            )
        except EtlError as exc:
            ok = False
            _error(f"{config.stream} stream failed in {exc.stage}: {exc}")
        if metrics is not None:
            ok = _run_metrics(url, metrics, since, until, table, progress) and ok
    if table.row_count:
        console.print(table)
    return ok


def _retain(url: Any, events_dir: str | None, source: str, policy: Any) -> bool:
    """Apply the retention policy after a run; False (and one line) when it failed."""
    from airdrops.collectors.config import EventsConfig
    from airdrops.collectors.pipeline import events_directory
    from airdrops.collectors.retention import apply_retention
    from airdrops.collectors.warehouse import connect

    if policy.events_max_age_s is None and policy.metrics_max_age_s is None:
        return True
    directory = events_directory(events_dir)
    try:
        with connect(url) as conn:
            report = apply_retention(conn, EventsConfig(source=source).stream, directory, policy)
    except Exception as exc:  # reported, and the next run tries again
        _error(f"retention failed: {url.scrub(str(exc))}")
        return False
    if report.event_files or report.metric_months:
        console.print(
            f"retention: deleted {len(report.event_files)} loaded event files; "
            f"forgot metric months {', '.join(report.metric_months) or 'none'}"
        )
    return True


def _error(message: str) -> None:
    """One line on stderr, as the `airdrops` command shows every error a user can act on."""
    from rich.markup import escape

    errors.print(f"[bold red]error[/]: {escape(message)}", highlight=False, soft_wrap=True)


def _run_metrics(
    url: Any, metrics: Any, since: str | None, until: str | None, table: Table, progress: Progress
) -> bool:
    from airdrops.collectors.errors import EtlError
    from airdrops.collectors.metrics_stream import run_metrics

    task = progress.add_task("prometheus", total=None)
    try:
        results = run_metrics(
            url,
            metrics,
            since=_time(since),
            until=_time(until),
            progress=lambda p: progress.advance(task),
        )
    except EtlError as exc:
        _error(f"prometheus stream failed in {exc.stage}: {exc}")
        return False
    for r in results:
        table.add_row(r.stream, r.status, str(r.fetched), str(r.loaded), str(r.duplicates), "-", f"{r.duration_s:.1f}")
    _check_sources(url, results)
    return all(r.status == "succeeded" for r in results)


def _check_sources(url: Any, results: list[Any]) -> None:
    """Warn (and count) where Prometheus and the event log disagree on the days this run completed."""
    from airdrops.collectors.reconcile import check_sources
    from airdrops.collectors.warehouse import connect

    starts = [r.window_start for r in results if r.window_start is not None]
    ends = [r.window_end for r in results if r.window_end is not None]
    if not starts or min(starts).date() >= max(ends).date():
        return  # no day ended within this run's window
    with connect(url) as conn:
        for d in check_sources(conn, min(starts).date(), max(ends).date()):
            console.print(
                f"[bold yellow]sources disagree[/]: {d.measure} of bot {d.bot_id} on {d.day}: "
                f"Prometheus {d.prometheus:g}, event log {d.events:g} (view prometheus_vs_events)"
            )


def _time(text: str | None) -> datetime | float | None:
    """RFC 3339 or unix seconds; a time without zone is UTC."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is neither RFC 3339 nor unix seconds") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _url(text: str | None) -> Any:
    from airdrops.collectors.warehouse import WarehouseURL
    from airdrops.collectors.warehouse.url import WarehouseURLError

    try:
        return WarehouseURL.parse(text)
    except WarehouseURLError as exc:
        console.print(f"[bold red]bad warehouse URL[/]: {exc}")
        raise typer.Exit(2) from None
