"""Read a DuckDB warehouse through once, so a damaged file is found before the ETL writes to it.

DuckDB checks each block's checksum when it reads the block; the ETL and the report read only the
blocks they need, so a file damaged elsewhere (a disk error, a partial copy) would go unnoticed
until the damaged rows are read. `verify()` reads every column of every table (one aggregate
per column), which costs about a full scan. PostgreSQL checks its own pages: nothing to do there.
"""

from __future__ import annotations

import time

from airdrops.collectors.warehouse.connect import WarehouseError
from airdrops.collectors.warehouse.connection import Connection

#: DuckDB file -> when this process last read it through: the `--every` service does it once a day.
_VERIFIED: dict[str, float] = {}
EVERY_S = 86_400.0


class WarehouseCorrupt(WarehouseError):
    """A table of the warehouse file cannot be read back: restore the file from a backup."""


def verify(conn: Connection) -> int:
    """Read every table of a DuckDB warehouse in full; how many tables. Raises `WarehouseCorrupt`."""
    if conn.dialect != "duckdb":
        return 0
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
    ]
    import duckdb

    for table in tables:
        try:
            conn.execute(f'SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM "{table}"')
        except (duckdb.OutOfMemoryException, duckdb.InterruptException):
            raise  # the machine, not the file
        except duckdb.Error as exc:
            reason = " ".join(str(exc).split())
            raise WarehouseCorrupt(
                f"warehouse {conn.url.redacted} is damaged: table {table} cannot be read ({reason}); "
                "restore the file from a backup (docs/operations.md)"
            ) from exc
    return len(tables)


def verify_once(conn: Connection) -> None:
    """`verify()` a DuckDB file the first time this process opens it, then once every `EVERY_S`."""
    path = conn.url.path
    if conn.dialect != "duckdb" or path is None:
        return
    if time.monotonic() - _VERIFIED.get(str(path), -EVERY_S) >= EVERY_S:
        verify(conn)
        _VERIFIED[str(path)] = time.monotonic()
