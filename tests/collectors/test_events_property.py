"""Property tests (Hypothesis): arbitrary bytes, arbitrary JSON and near-valid events thrown at the
transform and at both loaders. Whatever comes, no exception escapes, every line is accounted for
(loaded + duplicate + quarantined = lines) and DuckDB and PostgreSQL end up holding the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from airdrops.collectors.extract.events import Line
from airdrops.collectors.load.events import load_batch
from airdrops.collectors.transform.events import TABLES, transform
from airdrops.collectors.warehouse import Connection, connect, migrate
from airdrops.monitoring import event_schema
from tests.collectors.cases import event

# A small pool of ids, so examples hold duplicates and conflicts.
IDS = st.sampled_from(["e1", "e2", "e3", "", "e" * 300])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
ANY_JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
# Text that looks like what a field holds, and what breaks it.
NEAR_TEXT = st.text(alphabet="0123456789.-+eE x\u0663\uff13\u00e9\x00", max_size=12) | st.sampled_from(
    ["2025-01-02T03:04:05Z", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2025-01-02", "1e30", "-0"]
)
FIELDS = sorted({f.name for t in event_schema.EVENT_TYPES for f in event_schema.fields_of(t)} | {"extra"})


@st.composite
def near_valid_events(draw: st.DrawFn) -> str:
    """A valid event with a few fields replaced by other JSON or near-miss text."""
    record: dict[str, Any] = event(draw(st.sampled_from(sorted(TABLES))), event_id=draw(IDS))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        record[name] = draw(NEAR_TEXT | ANY_JSON)
    return json.dumps(record, ensure_ascii=draw(st.booleans()))


LINES = st.lists(
    near_valid_events()
    | st.builds(lambda x: json.dumps(x), ANY_JSON)
    | st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    min_size=1,
    max_size=12,
)


def _lines(items: list[str | bytes], start: int = 1) -> list[Line]:
    return [
        Line("f.jsonl", i, x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass"))
        for i, x in enumerate(items, start)
    ]


@settings(max_examples=400, deadline=None, database=None)
@given(LINES)
def test_every_line_is_valid_or_rejected(items: list[str | bytes]) -> None:
    batch = transform(_lines(items))
    assert batch.valid + len(batch.rejected) == batch.lines == len(items)
    assert batch.located.height == batch.valid - batch.duplicates_in_chunk == batch.raw.height
    assert sum(frame.height for frame in batch.frames.values()) == batch.raw.height


TABLES_TO_CLEAR = ("events_raw", *TABLES.values(), "etl_quarantine", "etl_watermarks")


@pytest.fixture(scope="module")
def both(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Connection]]:
    """One open connection to each backend, migrated, for all the examples."""
    urls = {"duckdb": f"duckdb://{tmp_path_factory.mktemp('property') / 'w.duckdb'}",
            "postgres": postgres_server.create_database()}  # fmt: skip
    conns = {}
    for name, url in urls.items():
        migrate(url)
        conns[name] = connect(url)
    yield conns
    for conn in conns.values():
        conn.close()


def _contents(conn: Connection) -> dict[str, Any]:
    out: dict[str, Any] = {"quarantine": conn.execute("SELECT source FROM etl_quarantine ORDER BY source")}
    for table in ("events_raw", *TABLES.values()):
        columns = "event_id" if table == "events_raw" else "*"
        rows = conn.execute(f"SELECT {columns} FROM {table} ORDER BY event_id")
        out[table] = [tuple(str(v) for v in row) for row in rows]
    return out


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=LINES, second=LINES)
def test_both_loaders_account_for_every_line_and_agree(both: dict[str, Connection], first: list, second: list) -> None:
    chunks = [transform(_lines(first)), transform(_lines(second, start=len(first) + 1))]
    seen = {}
    for name, conn in both.items():
        with conn.transaction():
            for table in TABLES_TO_CLEAR:
                conn.execute(f"DELETE FROM {table}")
        for i, batch in enumerate(chunks):
            result = load_batch(conn, batch, run_id="property", position=str(i))
            duplicates = batch.valid - result.loaded - result.conflicts
            assert result.loaded + duplicates + result.quarantined == batch.lines
            assert all(check.ok for check in result.checks), result.checks
        seen[name] = _contents(conn)
    assert seen["duckdb"] == seen["postgres"]
