"""The scheduler: named interval jobs, retries with backoff, missed-run detection."""

from __future__ import annotations

import logging
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from airdrops import monitoring
from airdrops.monitoring import metrics
from airdrops.scheduler.clock import Clock, RealClock, as_datetime

_log = logging.getLogger("airdrops.scheduler")


def backoff_delay(attempt: int, base: float, cap: float, jitter: float, rng: random.Random) -> float:
    """Seconds before retry number `attempt` (1 for the first).

    Exponential, `base * 2**(attempt - 1)` capped at `cap`, then shortened by a random fraction of
    up to `jitter` so that jobs failing together do not retry in lockstep. Never above `cap`.
    """
    delay = min(cap, base * 2.0 ** (attempt - 1))
    if jitter:
        delay *= 1.0 - jitter * rng.random()
    return delay


@dataclass(eq=False)
class Job:
    """A named callable run every `interval` seconds, with its retry policy and counters."""

    name: str
    func: Callable[[], Any]
    interval: float
    max_retries: int = 3
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    jitter: float = 0.1
    #: When the job runs next (a regular slot, or a retry time after a failure).
    next_run: float = 0.0
    #: The regular slot the current run belongs to; slots are `interval` apart and never drift.
    slot: float = 0.0
    #: Failed attempts of the current run so far (0 when not retrying).
    attempt: int = 0
    runs: int = 0
    failures: int = 0
    retries: int = 0
    missed: int = 0
    last_error: BaseException | None = field(default=None, repr=False)


class Scheduler:
    """Runs named jobs at fixed intervals on an injectable clock.

        >>> from airdrops.scheduler import Scheduler, VirtualClock
        >>> clock = VirtualClock(0)
        >>> sched = Scheduler(clock)
        >>> ticks = []
        >>> _ = sched.add_job("tick", lambda: ticks.append(clock.now()), interval=60)
        >>> sched.run_for(180)
        3
        >>> ticks
        [0.0, 60.0, 120.0]

    A job that raises is retried after an exponential backoff (`max_retries` times), then waits
    for its next regular slot; it never stops the other jobs. A job found at least one whole
    interval late (the process was blocked, or the job itself ran long) runs once, counts the
    slots it slept through as missed, and resumes on its grid instead of bursting.
    """

    def __init__(self, clock: Clock | None = None, rng: random.Random | None = None) -> None:
        self.clock: Clock = clock if clock is not None else RealClock()
        self._rng = rng if rng is not None else random.Random()
        self._jobs: dict[str, Job] = {}
        self._stopping = False

    @property
    def jobs(self) -> dict[str, Job]:
        """The registered jobs by name (a copy)."""
        return dict(self._jobs)

    def add_job(
        self,
        name: str,
        func: Callable[[], Any],
        interval: float,
        *,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        jitter: float = 0.1,
        start: float | None = None,
    ) -> Job:
        """Register `func` to run every `interval` seconds, first at `start` (default: now)."""
        if name in self._jobs:
            raise ValueError(f"a job named {name!r} already exists")
        if interval <= 0 or backoff_base <= 0 or backoff_cap <= 0:
            raise ValueError("interval, backoff_base and backoff_cap must be positive")
        if max_retries < 0 or not 0 <= jitter < 1:
            raise ValueError("max_retries must be >= 0 and jitter in [0, 1)")
        first = self.clock.now() if start is None else start
        job = Job(name, func, interval, max_retries, backoff_base, backoff_cap, jitter, next_run=first, slot=first)
        self._jobs[name] = job
        metrics.scheduler_job_interval.set(interval, job_name=name)
        return job

    def remove_job(self, name: str) -> None:
        """Unregister a job; KeyError if there is none by that name."""
        del self._jobs[name]

    def next_due(self) -> float | None:
        """When the earliest job is due, or None without jobs."""
        return min((j.next_run for j in self._jobs.values()), default=None)

    def run_pending(self) -> int:
        """Run every job due now, earliest first; returns the number of executions."""
        now = self.clock.now()
        # Order by due time, then registration order (dicts keep it): deterministic on a VirtualClock.
        due = sorted((j for j in self._jobs.values() if j.next_run <= now), key=lambda j: j.next_run)
        queue = deque(due)
        metrics.scheduler_queue_depth.set(len(queue))
        ran = 0
        while queue:
            job = queue.popleft()
            metrics.scheduler_queue_depth.set(len(queue))  # waiting: the running job is not
            if self._jobs.get(job.name) is job:  # a job may remove another
                self._execute(job)
                ran += 1
        return ran

    def run_for(self, duration: float) -> int:
        """Run jobs as they fall due for `duration` seconds of clock time; returns the executions."""
        return self.run_until(self.clock.now() + duration)

    def run_until(self, deadline: float) -> int:
        """Run jobs as they fall due until the clock reaches `deadline`; returns the executions.

        Jobs due exactly at the deadline are left for the next call. `stop()` ends the loop early.
        A job running past the deadline finishes, and so do the jobs already queued behind it.
        """
        self._stopping = False
        ran = 0
        while not self._stopping:
            ran += self.run_pending()
            now = self.clock.now()
            if now >= deadline:
                break
            nxt = self.next_due()
            if nxt is None or nxt >= deadline:
                self.clock.sleep(deadline - now)
                break
            if nxt > now:
                self.clock.sleep(nxt - now)
        return ran

    def stop(self) -> None:
        """Make `run_for` / `run_until` return after the job or sleep in progress."""
        self._stopping = True

    def _execute(self, job: Job) -> None:
        if job.attempt == 0:
            self._skip_missed(job)
        job.runs += 1
        try:
            ts = None if isinstance(self.clock, RealClock) else as_datetime(self.clock.now())
            with monitoring.track_job(job.name, ts=ts):
                job.func()
        except Exception as exc:
            job.failures += 1
            job.last_error = exc
            self._after_failure(job, exc)
            return
        job.attempt = 0
        job.last_error = None
        self._advance(job)

    def _skip_missed(self, job: Job) -> None:
        # Late by whole intervals: those slots are gone; run once, for the latest slot.
        late = self.clock.now() - job.slot
        skipped = math.floor(late / job.interval) if late >= job.interval else 0
        if skipped:
            job.slot += skipped * job.interval
            job.missed += skipped
            metrics.scheduler_job_missed.add(skipped, job_name=job.name)
            _log.warning("job %s was %.0fs late: %d run(s) missed", job.name, late, skipped)

    def _after_failure(self, job: Job, exc: Exception) -> None:
        if job.attempt < job.max_retries:
            job.attempt += 1
            job.retries += 1
            delay = backoff_delay(job.attempt, job.backoff_base, job.backoff_cap, job.jitter, self._rng)
            job.next_run = self.clock.now() + delay
            metrics.scheduler_job_retries.add(1, job_name=job.name)
            _log.warning(
                "job %s failed (%s: %s); retry %d/%d in %.1fs",
                job.name,
                type(exc).__name__,
                exc,
                job.attempt,
                job.max_retries,
                delay,
            )
            return
        _log.error(
            "job %s failed (%s: %s) after %d retries; waiting for its next slot",
            job.name,
            type(exc).__name__,
            exc,
            job.max_retries,
        )
        job.attempt = 0
        self._advance(job)

    @staticmethod
    def _advance(job: Job) -> None:
        job.slot += job.interval
        job.next_run = job.slot
