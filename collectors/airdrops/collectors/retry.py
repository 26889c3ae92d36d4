"""The ETL's one retry policy, for everything it reads from or writes to that may be down for a while.

The warehouse (`connect()`, a chunk whose connection went away) and Prometheus (`query_range`) both
retry by it: `attempts` tries in all, the wait doubling from `backoff_s` up to `max_backoff_s`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Retry:
    """`attempts` tries in all, the wait between them doubling from `backoff_s` up to `max_backoff_s`."""

    attempts: int = 5
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"retry attempts must be >= 1, got {self.attempts}")

    def delays(self) -> Iterator[float]:
        """The wait before each retry (attempts - 1 of them)."""
        delay = self.backoff_s
        for _ in range(self.attempts - 1):
            yield delay
            delay = min(delay * 2, self.max_backoff_s)
