"""A small connection layer over psycopg 3 and DuckDB: the same calls, and `%s` placeholders, on both.

    with connect("duckdb:///tmp/w.duckdb") as conn:
        with conn.transaction():
            conn.stage_frame("_stage_claims", frame)       # PG: binary COPY; DuckDB: from Arrow
            conn.execute("INSERT INTO claims SELECT * FROM _stage_claims ON CONFLICT (event_id) DO NOTHING")
        df = conn.fetch_frame("SELECT * FROM claim_success_rate")

`connect()` retries with backoff while a PostgreSQL server refuses connections (or another process
holds the DuckDB file), then raises `WarehouseUnavailable`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import polars as pl

from airdrops.collectors.retry import Retry
from airdrops.collectors.warehouse.url import Dialect, WarehouseURL

_log = logging.getLogger("airdrops.collectors")

Params = Sequence[Any] | None


class WarehouseUnavailable(ConnectionError):
    """The warehouse could not be reached after every retry."""

    def __init__(self, url: WarehouseURL, attempts: int, cause: BaseException) -> None:
        self.url = url
        self.attempts = attempts
        self.cause = cause
        super().__init__(f"warehouse {url.redacted} unavailable after {attempts} attempts: {_one_line(cause)}")


def connect(
    url: str | WarehouseURL | None = None,
    *,
    retry: Retry | None = None,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> Connection:
    """Open the warehouse at `url` (see `WarehouseURL.parse`), retrying while it is unreachable."""
    parsed = WarehouseURL.parse(url)
    policy = retry or Retry()
    opener = _PostgresConnection.open if parsed.dialect == "postgres" else _DuckDBConnection.open
    delays = policy.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            return opener(parsed)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            delay = next(delays, None)
            if delay is None:
                raise WarehouseUnavailable(parsed, attempt, exc) from exc
            _log.warning("warehouse %s unavailable (%s); retry %d in %.1fs", parsed, _one_line(exc), attempt, delay)
            if on_retry is not None:
                on_retry(attempt, exc)
            time.sleep(delay)


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "down or busy, try again later" rather than "wrong"."""
    import duckdb
    import psycopg

    if isinstance(exc, WarehouseUnavailable):
        return True
    if isinstance(exc, psycopg.OperationalError):
        # No SQLSTATE: refused, reset, timed out. 57P0x: shutting down / starting up; 53300: too many clients.
        state = getattr(exc, "sqlstate", None)
        return state is None or state.startswith("57P") or state == "53300"
    if isinstance(exc, psycopg.InterfaceError):  # the connection is closed (server went away)
        return True
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


class Connection(ABC):
    """One open warehouse connection; autocommit unless inside `transaction()`."""

    dialect: Dialect
    json_type: str

    def __init__(self, url: WarehouseURL) -> None:
        self.url = url
        self._depth = 0

    @abstractmethod
    def execute(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Run one statement (or a script without parameters); the rows it returns, if any."""

    @abstractmethod
    def execute_rowcount(self, sql: str, params: Params = None) -> int:
        """Run an INSERT/UPDATE/DELETE; how many rows it changed."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each parameter row."""

    @abstractmethod
    def stage_frame(self, name: str, frame: pl.DataFrame) -> None:
        """Create temporary table `name` holding `frame` (inside a transaction; it goes with it)."""

    @abstractmethod
    def fetch_frame(self, sql: str, params: Params = None) -> pl.DataFrame:
        """The result of a query as a Polars frame."""

    def copy_binary(self, table: str, columns: Sequence[str], payload: bytes | Iterable[bytes]) -> None:
        """PostgreSQL only: `COPY table (columns) FROM STDIN (FORMAT BINARY)` fed with ready-made COPY data."""
        raise NotImplementedError(f"copy_binary is PostgreSQL only, not {self.dialect}")

    @abstractmethod
    def try_lock(self, key: str) -> bool:
        """Take a session-wide named lock if free (PostgreSQL advisory lock; DuckDB's file lock is enough)."""

    @abstractmethod
    def lock(self, key: str) -> None:
        """Take a session-wide named lock, waiting for it."""

    @abstractmethod
    def unlock(self, key: str) -> None:
        """Release a lock taken with `lock` or `try_lock` (closing the connection releases them all)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _begin(self) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed on success, rolled back on error; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            with contextlib.suppress(Exception):
                self._rollback()
            raise
        self._depth = 0
        self._commit()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_transaction(self, what: str) -> None:
        if not self._depth:
            raise RuntimeError(f"{what} must run inside conn.transaction()")


class _PostgresConnection(Connection):
    dialect: Dialect = "postgres"
    json_type = "jsonb"

    def __init__(self, url: WarehouseURL, raw: Any) -> None:
        super().__init__(url)
        self._raw = raw

    @classmethod
    def open(cls, url: WarehouseURL) -> _PostgresConnection:
        import psycopg

        raw = psycopg.connect(url.url, autocommit=True, connect_timeout=10, application_name="airdrops")
        raw.execute("SET TIME ZONE 'UTC'")
        return cls(url, raw)

    def execute(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        cur = self._raw.execute(sql, params) if params is not None else self._raw.execute(sql)
        return list(cur.fetchall()) if cur.description is not None else []

    def execute_rowcount(self, sql: str, params: Params = None) -> int:
        cur = self._raw.execute(sql, params) if params is not None else self._raw.execute(sql)
        return int(cur.rowcount)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._raw.cursor() as cur:
                cur.executemany(sql, rows)

    def stage_frame(self, name: str, frame: pl.DataFrame) -> None:
        self._require_transaction("stage_frame")
        types = [_pg_type(dtype) for dtype in frame.dtypes]
        columns = ", ".join(f"{_quote(c)} {t}" for c, t in zip(frame.columns, types, strict=True))
        self._raw.execute(f"DROP TABLE IF EXISTS {_quote(name)}")
        self._raw.execute(f"CREATE TEMPORARY TABLE {_quote(name)} ({columns}) ON COMMIT DROP")
        if frame.is_empty():
            return
        names = ", ".join(_quote(c) for c in frame.columns)
        copy_types = [t.split("(")[0] for t in types]
        with (
            self._raw.cursor() as cur,
            cur.copy(f"COPY {_quote(name)} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(copy_types)
            for row in frame.iter_rows():
                copy.write_row(row)

    def copy_binary(self, table: str, columns: Sequence[str], payload: bytes | Iterable[bytes]) -> None:
        names = ", ".join(_quote(c) for c in columns)
        with self._raw.cursor() as cur, cur.copy(f"COPY {_quote(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            for block in [payload] if isinstance(payload, bytes | bytearray | memoryview) else payload:
                copy.write(block)

    def fetch_frame(self, sql: str, params: Params = None) -> pl.DataFrame:
        cur = self._raw.execute(sql, params) if params is not None else self._raw.execute(sql)
        if cur.description is None:
            return pl.DataFrame()
        schema: dict[str, Any] = {}
        for col in cur.description:
            info = self._raw.adapters.types.get(col.type_code)
            schema[col.name] = _pl_type_from_pg(info.name if info else "", col.precision, col.scale)
        rows = [tuple(_jsonish(v) for v in row) for row in cur.fetchall()]
        if not rows:
            return pl.DataFrame(schema={k: v or pl.String for k, v in schema.items()})
        frame = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
        return frame.with_columns(pl.col(c).cast(t) for c, t in schema.items() if t is not None)

    def try_lock(self, key: str) -> bool:
        row = self.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,))
        return bool(row[0][0])

    def lock(self, key: str) -> None:
        self.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))

    def unlock(self, key: str) -> None:
        self.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()

    def _begin(self) -> None:
        self._raw.execute("BEGIN")

    def _commit(self) -> None:
        self._raw.execute("COMMIT")

    def _rollback(self) -> None:
        self._raw.execute("ROLLBACK")


class _DuckDBConnection(Connection):
    dialect: Dialect = "duckdb"
    json_type = "JSON"

    def __init__(self, url: WarehouseURL, raw: Any) -> None:
        super().__init__(url)
        self._raw = raw

    @classmethod
    def open(cls, url: WarehouseURL) -> _DuckDBConnection:
        import duckdb

        if url.path is not None:
            url.path.parent.mkdir(parents=True, exist_ok=True)
        raw = duckdb.connect(str(url.path) if url.path is not None else ":memory:")
        raw.execute("SET TimeZone = 'UTC'")
        return cls(url, raw)

    def execute(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        cur = self._raw.execute(sql) if params is None else self._raw.execute(_qmarks(sql), list(params))
        return list(cur.fetchall()) if cur.description is not None else []

    def execute_rowcount(self, sql: str, params: Params = None) -> int:
        rows = self.execute(sql, params)
        return int(rows[0][0]) if rows else 0

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._raw.executemany(_qmarks(sql), [list(r) for r in rows])

    def stage_frame(self, name: str, frame: pl.DataFrame) -> None:
        self._require_transaction("stage_frame")
        source = f"_airdrops_source_{name}"
        self._raw.register(source, _ArrowStream(frame))
        try:
            self._raw.execute(f"CREATE OR REPLACE TEMPORARY TABLE {_quote(name)} AS SELECT * FROM {_quote(source)}")
        finally:
            self._raw.unregister(source)

    def fetch_frame(self, sql: str, params: Params = None) -> pl.DataFrame:
        relation = self._raw.sql(_qmarks(sql), params=list(params)) if params is not None else self._raw.sql(sql)
        if relation is None:
            return pl.DataFrame()
        frame = pl.DataFrame(relation)
        return frame.with_columns(
            pl.col(c).dt.convert_time_zone("UTC")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime) and t.time_zone
        )

    def try_lock(self, key: str) -> bool:
        return True

    def lock(self, key: str) -> None:
        pass

    def unlock(self, key: str) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()

    def _begin(self) -> None:
        self._raw.execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self._raw.execute("COMMIT")

    def _rollback(self) -> None:
        self._raw.execute("ROLLBACK")


class _ArrowStream:
    """Hands DuckDB a frame through the Arrow C stream interface: no pyarrow needed."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._frame.__arrow_c_stream__(requested_schema)


def _pg_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"numeric({dtype.precision or 38},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    simple: dict[type[pl.DataType], str] = {
        pl.String: "text",
        pl.Int64: "int8",
        pl.Int32: "int4",
        pl.Int16: "int2",
        pl.Float64: "float8",
        pl.Float32: "float4",
        pl.Boolean: "bool",
        pl.Date: "date",
        pl.Null: "text",
    }
    for kind, name in simple.items():
        if isinstance(dtype, kind):
            return name
    raise TypeError(f"no PostgreSQL staging type for Polars {dtype}")


def _pl_type_from_pg(name: str, precision: int | None, scale: int | None) -> Any:
    if name == "numeric":
        return pl.Decimal(precision, scale or 0) if precision else None
    return {
        "int8": pl.Int64,
        "int4": pl.Int64,
        "int2": pl.Int64,
        "float8": pl.Float64,
        "float4": pl.Float64,
        "text": pl.String,
        "varchar": pl.String,
        "bpchar": pl.String,
        "name": pl.String,
        "json": pl.String,
        "jsonb": pl.String,
        "bool": pl.Boolean,
        "date": pl.Date,
        "timestamptz": pl.Datetime("us", "UTC"),
        "timestamp": pl.Datetime("us"),
    }.get(name)


def _jsonish(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


def _qmarks(sql: str) -> str:
    return sql.replace("%s", "?").replace("%%", "%")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
