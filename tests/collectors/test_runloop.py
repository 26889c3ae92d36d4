"""The one run loop both streams share: locks, migration check, chunk retries, failure record, prefetch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from airdrops.collectors.config import EventsConfig
from airdrops.collectors.errors import EtlError
from airdrops.collectors.metrics_stream import run_metrics
from airdrops.collectors.pipeline import run_events
from airdrops.collectors.retry import Retry
from airdrops.collectors.runloop import Stream, StreamRun, WarehouseSession, one_ahead, run_stream
from airdrops.collectors.warehouse import connect
from airdrops.collectors.warehouse.bookkeeping import set_watermark
from airdrops.collectors.warehouse.connect import Connection
from airdrops.collectors.warehouse.url import WarehouseURL
from tests.servers import Warehouse


@pytest.mark.parametrize("items", [[], [1], list(range(7))])
def test_one_ahead_keeps_order_and_computes_at_most_one_item_ahead(items: list[int]) -> None:
    computed: list[int] = []
    gate = threading.Event()

    def work(n: int) -> int:
        computed.append(n)
        return n * 10

    out = []
    for i, value in enumerate(one_ahead(iter(items), work)):
        gate.wait(0.05)  # give the worker time to run ahead if it would
        assert len(computed) <= i + 2
        out.append(value)
    assert out == [n * 10 for n in items]


def test_one_ahead_raises_a_source_error_at_its_place() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for value in one_ahead(source(), lambda n: n):
            got.append(value)
    assert got == [1, 2]


class _Numbers(Stream[int, int, StreamRun]):
    """A stream of numbered chunks, each written as the watermark; `fail_at` makes that chunk's load raise."""

    def __init__(self, name: str, chunks: int, fail_at: int | None = None) -> None:
        super().__init__(StreamRun(run_id="", stream=name))
        self.chunks = chunks
        self.fail_at = fail_at

    def batches(self, conn: Connection) -> Iterator[int]:
        return iter(range(1, self.chunks + 1))

    def load(self, conn: Connection, batch: int) -> int:
        with conn.transaction():
            set_watermark(conn, self.name, str(batch))
            if batch == self.fail_at:
                raise ValueError(f"bad chunk {batch}")
        return batch

    def count(self, batch: int, loaded: int) -> None:
        self.result.chunks += 1

    def where(self, batch: int) -> str:
        return f"chunk #{batch}"


def _session(warehouse: Warehouse, **kwargs: Any) -> WarehouseSession:
    return WarehouseSession(WarehouseURL.parse(warehouse.url), Retry(attempts=2, backoff_s=0.05), label="t", **kwargs)


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return conn.execute(sql)


def test_a_failed_chunk_keeps_the_ones_before_and_is_recorded(warehouse: Warehouse, capmetrics: Any) -> None:
    with _session(warehouse) as session, pytest.raises(EtlError) as info:
        run_stream(session, _Numbers("numbers", 5, fail_at=3))
    assert info.value.stage == "load" and info.value.stream == "numbers"
    assert "chunk #3: ValueError: bad chunk 3" in str(info.value) and "watermark did not move" in str(info.value)
    assert _rows(warehouse.url, "SELECT position FROM etl_watermarks WHERE stream = 'numbers'") == [("2",)]
    ((status, error),) = _rows(warehouse.url, "SELECT status, error FROM etl_runs WHERE stream = 'numbers'")
    assert status == "failed" and "bad chunk 3" in error
    assert capmetrics.value("airdrops.etl.runs", stream="numbers", outcome="failure") == 1


def test_a_stream_locked_by_another_run_waits_then_refuses(postgres_warehouse: Warehouse) -> None:
    with connect(postgres_warehouse.url) as other:
        assert other.try_lock("airdrops.etl.events")
        with pytest.raises(EtlError, match="another run of the events stream is in progress"):
            run_events(postgres_warehouse.url, "/nonexistent", config=EventsConfig(lock_wait_s=0.3))
        other.unlock("airdrops.etl.events")
    with _session(postgres_warehouse, lock_wait_s=0.3) as session:
        run_stream(session, _Numbers("events", 1))  # free again
        with connect(postgres_warehouse.url) as other:  # and released when the run ends, the session still open
            assert other.try_lock("airdrops.etl.events")


@pytest.mark.parametrize("stream", ["events", "metrics"])
def test_both_streams_refuse_a_warehouse_that_needs_migrations(tmp_path: Any, stream: str) -> None:
    url = f"duckdb:///{tmp_path}/new.duckdb"
    with pytest.raises(EtlError, match="needs `airdrops warehouse migrate`"):
        if stream == "events":
            run_events(url, tmp_path, config=EventsConfig(auto_migrate=False))
        else:
            run_metrics(url, auto_migrate=False)


def test_a_chunk_retried_on_a_new_connection_takes_the_lock_again(postgres_warehouse: Warehouse) -> None:
    """The warehouse went away mid-chunk: the loop reconnects, holds the stream's lock again, reloads."""
    import psycopg

    held_elsewhere: list[bool] = []

    class GoneOnce(_Numbers):
        def load(self, conn: Connection, batch: int) -> int:
            if batch == 2 and not held_elsewhere:
                conn.close()  # as if the server had dropped it
                held_elsewhere.append(False)
                raise psycopg.OperationalError("server closed the connection unexpectedly")
            if batch == 2:
                with connect(postgres_warehouse.url) as other:
                    held_elsewhere[0] = not other.try_lock("airdrops.etl.numbers")
            return super().load(conn, batch)

    with _session(postgres_warehouse) as session:
        result = run_stream(session, GoneOnce("numbers", 3))
        assert result.ok and result.chunks == 3
    assert held_elsewhere == [True]  # the new connection took the stream's lock before reloading
    assert _rows(postgres_warehouse.url, "SELECT position FROM etl_watermarks WHERE stream = 'numbers'") == [("3",)]
