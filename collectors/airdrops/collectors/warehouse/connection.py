"""`Connection`: the calls every warehouse connection offers, whatever the dialect (`%s` placeholders on both)."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import polars as pl

from airdrops.collectors.warehouse.url import Dialect, WarehouseURL

Params = Sequence[Any] | None


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
    def append_frame(self, table: str, frame: pl.DataFrame) -> None:
        """Append `frame`'s rows to `table` (its columns by name), with no stage in between: for rows the
        caller knows are not there yet (a key already there fails the statement)."""

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


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
