"""Shared fixtures. The SDK's own fixtures (capmetrics, capevents) come from its pytest plugin.

One real PostgreSQL server for the whole session (`postgres_server`); `warehouse` is parametrised over
both backends, so every test that takes it runs on DuckDB and on PostgreSQL, each time in an empty
warehouse (a new DuckDB file, or a new PostgreSQL database).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from airdrops.services.postgres import PostgresServer, available
from tests.servers import Warehouse


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL 15 server for the session (initdb + pg_ctl on a free 127.0.0.1 port)."""
    if not available():
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed (Debian's postgresql; make test has it)")
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(f"duckdb://{tmp_path / 'warehouse.duckdb'}", "duckdb")


@pytest.fixture
def postgres_warehouse(postgres_server: PostgresServer) -> Warehouse:
    return Warehouse(postgres_server.create_database(), "postgres", postgres_server)


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    """An empty warehouse, once on each backend."""
    return request.getfixturevalue(f"{request.param}_warehouse")  # type: ignore[no-any-return]


@pytest.fixture
def sdk(tmp_path, monkeypatch):
    """A configured SDK on a free port writing events to tmp_path; shut down after the test."""
    from airdrops import monitoring
    from airdrops.monitoring._internal.registry import DEFAULT
    from airdrops.monitoring.testing import _fresh

    for var in (
        "OTEL_SDK_DISABLED",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "AIRDROPS_BOT_ID",
        "OTEL_EXPORTER_PROMETHEUS_PORT",
        "OTEL_EXPORTER_PROMETHEUS_HOST",
    ):
        monkeypatch.delenv(var, raising=False)
    _fresh(DEFAULT)
    _forget_global_providers()
    handles = []

    def make(**kwargs):
        kwargs.setdefault("port", 0)
        kwargs.setdefault("events_dir", str(tmp_path / "events"))
        kwargs.setdefault("service_name", "test-bot")
        kwargs.setdefault("bot_id", "test-bot-1")
        handle = monitoring.configure(**kwargs)
        handles.append(handle)
        return handle

    yield make
    for h in handles:
        h.shutdown()
    _fresh(DEFAULT)
    DEFAULT.events.enabled = True


def _forget_global_providers() -> None:
    """OpenTelemetry sets the global providers once per process; each test configures anew."""
    import opentelemetry.metrics._internal as otel_metrics
    import opentelemetry.trace as otel_trace
    from opentelemetry.util._once import Once

    otel_metrics._METER_PROVIDER_SET_ONCE = Once()
    otel_metrics._METER_PROVIDER = None
    otel_metrics._PROXY_METER_PROVIDER = otel_metrics._ProxyMeterProvider()
    otel_trace._TRACER_PROVIDER_SET_ONCE = Once()
    otel_trace._TRACER_PROVIDER = None
