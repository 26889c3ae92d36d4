"""The PostgreSQL connection, over psycopg 3: frames staged by COPY (CSV written by Polars), read back through
COPY TO."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from airdrops.collectors.warehouse.connection import Connection, Params, quoted
from airdrops.collectors.warehouse.url import Dialect, WarehouseURL


class PostgresConnection(Connection):
    dialect: Dialect = "postgres"
    json_type = "jsonb"

    def __init__(self, url: WarehouseURL, raw: Any) -> None:
        super().__init__(url)
        self._raw = raw

    @classmethod
    def open(cls, url: WarehouseURL) -> PostgresConnection:
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
        columns = ", ".join(f"{quoted(c)} {t}" for c, t in zip(frame.columns, types, strict=True))
        self._raw.execute(f"DROP TABLE IF EXISTS {quoted(name)}")
        self._raw.execute(f"CREATE TEMPORARY TABLE {quoted(name)} ({columns}) ON COMMIT DROP")
        if frame.is_empty():
            return
        self._copy_csv(name, frame)

    def append_frame(self, table: str, frame: pl.DataFrame) -> None:
        self._require_transaction("append_frame")
        if not frame.is_empty():
            self._copy_csv(table, frame)

    def _copy_csv(self, table: str, frame: pl.DataFrame) -> None:
        # Polars writes the CSV (in Rust, in one go); PostgreSQL parses it. An empty unquoted field is
        # NULL and Polars quotes an empty string, so the two stay apart; floats round-trip exactly.
        names = ", ".join(quoted(c) for c in frame.columns)
        with (
            self._raw.cursor() as cur,
            cur.copy(f"COPY {quoted(table)} ({names}) FROM STDIN (FORMAT csv)") as copy,
        ):
            copy.write(frame.write_csv(include_header=False))

    def copy_binary(self, table: str, columns: Sequence[str], payload: bytes | Iterable[bytes]) -> None:
        names = ", ".join(quoted(c) for c in columns)
        with (
            self._raw.cursor() as cur,
            cur.copy(f"COPY {quoted(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
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
