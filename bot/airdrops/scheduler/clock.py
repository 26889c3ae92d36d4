"""Clocks the scheduler reads: real time for the live bot, virtual time for history mode."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Where the scheduler gets the time and how it waits."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a virtual clock just moves forward)."""
        ...


class RealClock:
    """Wall-clock time: `time.time()` and `time.sleep()`."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock:
    """Simulated time that advances instantly when slept on.

    >>> clock = VirtualClock(datetime(2025, 1, 1, tzinfo=UTC))
    >>> clock.sleep(90)
    >>> clock.utcnow().isoformat()
    '2025-01-01T00:01:30+00:00'
    """

    def __init__(self, start: datetime | float = 0.0) -> None:
        if isinstance(start, datetime):
            if start.tzinfo is None:
                raise ValueError("VirtualClock needs a timezone-aware start time")
            start = start.timestamp()
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._now += seconds

    def advance(self, seconds: float) -> None:
        """Move time forward without running anything (e.g. to simulate a blocked process)."""
        self.sleep(seconds)

    def utcnow(self) -> datetime:
        """The current virtual time as a timezone-aware UTC datetime."""
        return as_datetime(self._now)


def as_datetime(ts: float) -> datetime:
    """Unix seconds as a timezone-aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)
