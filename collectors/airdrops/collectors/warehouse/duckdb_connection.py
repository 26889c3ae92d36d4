"""The embedded DuckDB connection: frames staged from Arrow, `%s` placeholders turned into `?`."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import polars as pl

from airdrops.collectors.warehouse.connection import Connection, Params, quoted
from airdrops.collectors.warehouse.url import Dialect, WarehouseURL


class DuckDBConnection(Connection):
    dialect: Dialect = "duckdb"
    json_type = "JSON"

    def __init__(self, url: WarehouseURL, raw: Any) -> None:
        super().__init__(url)
        self._raw = raw

    @classmethod
    def open(cls, url: WarehouseURL) -> DuckDBConnection:
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
        self._from_frame(name, frame, "CREATE OR REPLACE TEMPORARY TABLE {target} AS SELECT * FROM {source}")

    def append_frame(self, table: str, frame: pl.DataFrame) -> None:
        self._require_transaction("append_frame")
        names = ", ".join(quoted(c) for c in frame.columns)
        self._from_frame(table, frame, f"INSERT INTO {{target}} ({names}) SELECT {names} FROM {{source}}")

    def _from_frame(self, target: str, frame: pl.DataFrame, sql: str) -> None:
        """Run `sql` with `frame` registered as {source} (an Arrow stream, not copied) and {target} quoted."""
        source = f"_airdrops_source_{target}"
        self._raw.register(source, _ArrowStream(frame))
        try:
            self._raw.execute(sql.format(target=quoted(target), source=quoted(source)))
        finally:
            import duckdb

            # after a failed statement DuckDB refuses this too (the transaction is aborted): keep the first error
            with contextlib.suppress(duckdb.TransactionException):
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


def _qmarks(sql: str) -> str:
    return sql.replace("%s", "?").replace("%%", "%")
