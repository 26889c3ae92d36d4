"""Remove credentials from RPC URLs before they reach spans, logs or events.

Two rules, either one enough: where the common RPC providers put their keys (a path segment after a
version segment such as `/v2/KEY`, the first segment on hosts that take the key there, the query
parameters they use), and what looks like a key wherever it is (a long token, or letters mixed with
digits). User info and fragments are always removed.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
_SECRET_QUERY = re.compile(r"(key|token|secret|auth|pass|signature|sig|credential)", re.IGNORECASE)
# A path segment that looks like a credential: 24+ token characters, or 16+ with both letters and
# digits. Words such as "v3", "mainnet" or "arbitrum-mainnet" stay.
_SECRET_SEGMENT = re.compile(r"^(?:[A-Za-z0-9_\-]{24,}|(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-]{16,})$")
# A version segment: the next segment is the key (Infura /v3/KEY, Alchemy /v2/KEY, /ws/v3/KEY),
# unless it is a plain lowercase word (an API's path, e.g. Prometheus' /api/v1/query_range).
_VERSION = re.compile(r"^v\d+$")
_WORD = re.compile(r"^[a-z_\-]+$")
#: Hosts (or domains) that take the key as the first path segment, and how many segments precede it.
_KEY_SEGMENT_BY_HOST = {
    "quiknode.pro": 0,  # https://name.quiknode.pro/TOKEN/
    "p2pify.com": 0,  # Chainstack
    "blastapi.io": 0,
    "getblock.io": 0,
    "gateway.tenderly.co": 0,
    "nownodes.io": 0,
    "rpc.ankr.com": 1,  # https://rpc.ankr.com/eth/KEY
}


def redact_url(url: str) -> str:
    """The URL with user info, the fragment, and every key the rules above find replaced.

    >>> redact_url("https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef?apikey=x")
    'https://mainnet.infura.io/v3/REDACTED?apikey=REDACTED'
    >>> redact_url("https://eth-mainnet.g.alchemy.com/v2/short1#apikey=x")
    'https://eth-mainnet.g.alchemy.com/v2/REDACTED#REDACTED'
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = urlencode(
        [
            (k, REDACTED if _SECRET_QUERY.search(k) or _SECRET_SEGMENT.match(v) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="",
    )
    fragment = REDACTED if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, _redact_path(parts.path, host), query, fragment))


def _redact_path(path: str, host: str) -> str:
    segments = path.split("/")
    named = [i for i, seg in enumerate(segments) if seg]  # indexes of the non-empty segments
    keys = {i for i, seg in enumerate(segments) if _SECRET_SEGMENT.match(seg)}
    keys |= {
        named[n + 1]
        for n, i in enumerate(named[:-1])
        if _VERSION.match(segments[i]) and not _WORD.match(segments[named[n + 1]])
    }
    at = next((n for suffix, n in _KEY_SEGMENT_BY_HOST.items() if host == suffix or host.endswith("." + suffix)), None)
    if at is not None and at < len(named):
        keys.add(named[at])
    return "/".join(REDACTED if i in keys else seg for i, seg in enumerate(segments))


def provider_name(url: str) -> str:
    """A short, key-free provider label for an RPC URL: its host name."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or "unknown"


class RedactingFilter(logging.Filter):
    """Redacts URLs and request paths in log records (urllib3 logs each request's full path at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        return True


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str) and (value.startswith("/") or "://" in value):
        return redact_url(value)
    return value


def redact_library_logs(names: tuple[str, ...] = ("urllib3.connectionpool", "urllib3.util.retry")) -> None:
    """Install `RedactingFilter` on the loggers of HTTP libraries that log URLs (once each)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
