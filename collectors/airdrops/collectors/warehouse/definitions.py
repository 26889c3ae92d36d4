"""The vocabulary's definitions in the warehouse: tables `claim_reasons` and `definitions`.

`airdrops.monitoring.vocabulary` owns the claim taxonomy and the ratios' thresholds; the views read
them from these two tables, so no SQL restates them. `sync` makes the tables equal the code: it
runs after every migrate, changes nothing (one read per table) while they agree, and otherwise
rewrites them in one transaction.

A site may choose other expected outcomes (`$AIRDROPS_EXPECTED_CLAIM_REASONS`, the same list it gives
the rules and dashboards as `expected_claim_reasons`): every sync of the process then writes that
choice, so the views, the report, the alerts and the panels count claims alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from airdrops.collectors.warehouse.connect import Connection
from airdrops.monitoring import vocabulary as v

#: The version of the migration that creates the two tables.
SINCE_VERSION = 7


def configured_expected(environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The site's expected outcomes: `$AIRDROPS_EXPECTED_CLAIM_REASONS` when set, else the vocabulary's.

    A wrong name raises ValueError (the command line checks it before anything runs).
    """
    text = environ.get(v.EXPECTED_CLAIM_REASONS_ENV, "").strip()
    if not text:
        return v.EXPECTED_CLAIM_REASONS
    return v.expected_claim_reasons(n for n in text.split(",") if n.strip())


def claim_reason_rows(expected: Iterable[str] = v.EXPECTED_CLAIM_REASONS) -> list[tuple[Any, ...]]:
    """(reason, outcome, expected, ineligible, fallback, description) per reason of the taxonomy."""
    fallback = {v.NONE, v.OTHER}  # a success's reason, and what an unknown failure reason counts as
    chosen = set(expected)
    return [
        (r.name, v.SUCCESS if r.name == v.NONE else v.FAILURE, r.name in chosen, r.ineligible, r.name in fallback,
         r.description)
        for r in v.CLAIM_REASONS
    ]  # fmt: skip


def definition_rows() -> list[tuple[Any, ...]]:
    """(name, value, description) of every threshold the views use."""
    return [(name, float(value), doc) for name, (value, doc) in v.DEFINITIONS.items()]


def sync(conn: Connection, expected: Iterable[str] | None = None) -> list[str]:
    """Rewrite the tables that differ from the vocabulary; the names of those rewritten.

    `expected`: the expected outcomes (default: `configured_expected()`).
    """
    chosen = v.expected_claim_reasons(expected) if expected is not None else configured_expected()
    tables = {
        "claim_reasons": ("reason, outcome, expected, ineligible, fallback, description", claim_reason_rows(chosen)),
        "definitions": ("name, value, description", definition_rows()),
    }
    changed = []
    for table, (columns, rows) in tables.items():
        want = sorted(rows)
        have = sorted(tuple(r) for r in conn.execute(f"SELECT {columns} FROM {table}"))
        if have == want:
            continue
        with conn.transaction():
            conn.execute(f"DELETE FROM {table}")
            marks = ", ".join(["%s"] * len(want[0]))
            conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", want)
        changed.append(table)
    return changed
