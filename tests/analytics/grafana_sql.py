"""Grafana's PostgreSQL datasource macros and variables, expanded the way Grafana 11 does before it sends SQL.

Only what the analytics dashboards use: `$__timeFilter`, `$__timeGroup`, `$__timeGroupAlias`, `$__time`,
`$__timeFrom()`, `$__timeTo()`, and multi-value variables (`$name`, `${name}`, `${name:csv}`) as quoted lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

_INTERVAL = re.compile(r"^'?(\d+)([smhdw])'?$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MACRO = re.compile(r"\$__(\w+)\(([^()]*)\)")
_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)")


def _rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(interval: str) -> int:
    match = _INTERVAL.match(interval.strip())
    if not match:
        raise ValueError(f"unsupported interval {interval!r}")
    return int(match[1]) * _SECONDS[match[2]]


def quote(values: Sequence[str]) -> str:
    """A multi-value variable as Grafana's SQL datasources format it: `'a','b'` (quotes doubled)."""
    return ",".join("'" + v.replace("'", "''") + "'" for v in values)


def expand(sql: str, start: datetime, end: datetime, variables: Mapping[str, Sequence[str]]) -> str:
    """`sql` with macros expanded for the range [start, end] and each variable set to its values."""

    def macro(m: re.Match[str]) -> str:
        name, args = m[1], [a.strip() for a in m[2].split(",")] if m[2].strip() else []
        if name == "timeFilter":
            return f"{args[0]} BETWEEN '{_rfc3339(start)}' AND '{_rfc3339(end)}'"
        if name in ("timeGroup", "timeGroupAlias"):
            s = _seconds(args[1])
            group = f"floor(extract(epoch from {args[0]})/{s})*{s}"
            return f'{group} AS "time"' if name == "timeGroupAlias" else group
        if name == "time":
            return f'{args[0]} AS "time"'
        if name == "timeFrom":
            return f"'{_rfc3339(start)}'"
        if name == "timeTo":
            return f"'{_rfc3339(end)}'"
        raise KeyError(f"macro $__{name} is not expanded here: {sql}")

    def variable(m: re.Match[str]) -> str:
        name = m[1] or m[3]
        if name not in variables:
            raise KeyError(f"unknown variable ${name} in {sql}")
        return quote(variables[name])

    return _VARIABLE.sub(variable, _MACRO.sub(macro, sql))
