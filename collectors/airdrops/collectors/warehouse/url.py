"""Where the warehouse is: `postgresql://...` or `duckdb:///path`, from a flag, `WAREHOUSE_URL` or the default.

>>> WarehouseURL.parse("duckdb:///var/lib/airdrops/warehouse.duckdb").path
PosixPath('/var/lib/airdrops/warehouse.duckdb')
>>> WarehouseURL.parse("postgresql://etl:secret@db:5432/airdrops").redacted
'postgresql://etl:***@db:5432/airdrops'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from airdrops.collectors.config import WAREHOUSE_ENV, WAREHOUSE_FILE

Dialect = Literal["postgres", "duckdb"]
#: Query parameters whose value is a secret (libpq's `password`, `sslpassword`).
_SECRET_PARAM = re.compile(r"pass|secret|token", re.IGNORECASE)
#: scheme://user:password@rest, the password running to the last `@` before the path.
_AUTHORITY = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:@/]*):(?P<password>.*)@(?P<rest>[^@]*)\Z")


class WarehouseURLError(ValueError):
    """A warehouse URL that is neither `postgresql://...` nor `duckdb:///path`."""


@dataclass(frozen=True)
class WarehouseURL:
    """A parsed warehouse location. `path` is set for DuckDB (None: in memory), `url` keeps the original."""

    dialect: Dialect
    url: str
    path: Path | None = None

    @classmethod
    def parse(cls, value: str | WarehouseURL | None = None) -> WarehouseURL:
        """Parse `value`; None falls back to `$WAREHOUSE_URL`, then `duckdb:///<cwd>/airdrops.duckdb`."""
        if isinstance(value, WarehouseURL):
            return value
        if value is None:
            value = os.environ.get(WAREHOUSE_ENV) or default_url()
        text = value.strip()
        scheme = text.split(":", 1)[0].lower()
        if scheme in ("postgresql", "postgres"):  # libpq reads it (postgresql:///db is the local socket)
            return cls("postgres", text)
        if scheme == "duckdb":
            return cls("duckdb", text, _duckdb_path(text))
        raise WarehouseURLError(
            f"unsupported warehouse URL {redact(text)!r}: use postgresql://user@host:5432/db or duckdb:///path/file.duckdb"
        )

    @property
    def redacted(self) -> str:
        """The URL with its password hidden, for logs and messages."""
        return redact(self.url)

    def scrub(self, text: str) -> str:
        """`text` (a driver's message) with this URL's passwords masked: libpq may echo them."""
        for secret in secrets_of(self.url):
            text = text.replace(secret, "***")
        return text

    def __str__(self) -> str:
        return self.redacted


def default_url() -> str:
    return f"duckdb://{(Path.cwd() / WAREHOUSE_FILE).as_posix()}"


def _duckdb_path(text: str) -> Path | None:
    rest = text[len("duckdb:") :]
    rest = rest[2:] if rest.startswith("//") else rest
    if rest in ("", "/", ":memory:", "/:memory:"):
        return None
    if rest.startswith(("/./", "/../", "/~")):  # duckdb:///./file.duckdb: relative to the working directory
        rest = rest[1:]
    return Path(rest).expanduser()


def redact(url: str) -> str:
    """`url` with the password masked, whether in `user:pass@` or in `?password=` (libpq takes both).

    The authority is split as libpq splits it (the password runs to the last `@`), so a password
    holding `#`, `?` or `/` is masked too; `urlsplit` would end the authority at those.
    """
    match = _AUTHORITY.match(url)
    if match is not None:
        url = f"{match['scheme']}{match['user']}:***@{match['rest']}"
    head, sep, _ = url.partition("?")
    if not sep:
        return url
    masked = (f"{k}={'***' if _SECRET_PARAM.search(k) else v}" if eq else k for k, eq, v in _query_pairs(url))
    return head + "?" + "&".join(masked)


def secrets_of(url: str) -> list[str]:
    """The passwords `url` holds, as written and percent-decoded, to scrub from drivers' messages."""
    found = []
    match = _AUTHORITY.match(url)
    if match is not None:
        found.append(match["password"])
    found += [v for k, _, v in _query_pairs(url) if _SECRET_PARAM.search(k)]
    return [s for f in found if f for s in {f, unquote(f)}]


def _query_pairs(url: str) -> list[tuple[str, str, str]]:
    """(key, "=" or "", value) of each `&`-separated part of `url`'s query."""
    return [part.partition("=") for part in url.partition("?")[2].split("&")]
