"""The vocabulary's definitions in the warehouse: tables `claim_reasons` and `definitions`.

`airdrops.monitoring.vocabulary` owns the claim taxonomy and the ratios' thresholds; the views read
them from these two tables, so no SQL restates them. `sync` makes the tables equal the code: it
runs after every migrate, changes nothing (one read per table) while they agree, and otherwise
rewrites them in one transaction.
"""

from __future__ import annotations

from typing import Any

from airdrops.collectors.warehouse.connect import Connection
from airdrops.monitoring import vocabulary as v

#: The version of the migration that creates the two tables.
SINCE_VERSION = 7


def claim_reason_rows() -> list[tuple[Any, ...]]:
    """(reason, outcome, expected, ineligible, fallback, description) per reason of the taxonomy."""
    fallback = {v.NONE, v.OTHER}  # a success's reason, and what an unknown failure reason counts as
    return [
        (r.name, v.SUCCESS if r.name == v.NONE else v.FAILURE, r.expected, r.ineligible, r.name in fallback,
         r.description)
        for r in v.CLAIM_REASONS
    ]  # fmt: skip


def definition_rows() -> list[tuple[Any, ...]]:
    """(name, value, description) of every threshold the views use."""
    return [(name, float(value), doc) for name, (value, doc) in v.DEFINITIONS.items()]


_TABLES = {
    "claim_reasons": ("reason, outcome, expected, ineligible, fallback, description", claim_reason_rows),
    "definitions": ("name, value, description", definition_rows),
}


def sync(conn: Connection) -> list[str]:
    """Rewrite the tables that differ from the vocabulary; the names of those rewritten."""
    changed = []
    for table, (columns, rows) in _TABLES.items():
        want = sorted(rows())
        have = sorted(tuple(r) for r in conn.execute(f"SELECT {columns} FROM {table}"))
        if have == want:
            continue
        with conn.transaction():
            conn.execute(f"DELETE FROM {table}")
            marks = ", ".join(["%s"] * len(want[0]))
            conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", want)
        changed.append(table)
    return changed
