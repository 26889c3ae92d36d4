"""Remove credentials from RPC URLs before they reach spans, logs or events."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
_SECRET_QUERY = re.compile(r"(key|token|secret|auth|pass|signature|sig|credential)", re.IGNORECASE)
# A path segment that looks like a credential (Infura, Alchemy, QuickNode and Ankr put keys in the
# path): 24+ token characters, or 16+ with both letters and digits. Words such as "v3",
# "mainnet" or "arbitrum-mainnet" stay.
_SECRET_SEGMENT = re.compile(r"^(?:[A-Za-z0-9_\-]{24,}|(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-]{16,})$")


def redact_url(url: str) -> str:
    """The URL with user info, key-like query values and key-like path segments replaced.

    >>> redact_url("https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef?apikey=x")
    'https://mainnet.infura.io/v3/REDACTED?apikey=REDACTED'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    path = "/".join(REDACTED if _SECRET_SEGMENT.match(seg) else seg for seg in parts.path.split("/"))
    query = urlencode(
        [
            (k, REDACTED if _SECRET_QUERY.search(k) or _SECRET_SEGMENT.match(v) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="",
    )
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def provider_name(url: str) -> str:
    """A short, key-free provider label for an RPC URL: its host name."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or "unknown"
