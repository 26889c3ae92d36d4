from __future__ import annotations

import random

import pytest

from airdrops.monitoring.testing import CapturedMetrics
from airdrops.scheduler import Scheduler, VirtualClock, backoff_delay

RUNS = "airdrops.scheduler.job.runs"


def flaky(clock: VirtualClock, failures: int, calls: list[float]):
    """A job that records when it ran and raises its first `failures` times."""

    def job() -> None:
        calls.append(clock.now())
        if len(calls) <= failures:
            raise ConnectionError("rpc down")

    return job


def test_jobs_run_on_their_interval_and_end_is_exclusive(capmetrics: CapturedMetrics) -> None:
    clock = VirtualClock(1_000.0)
    sched = Scheduler(clock)
    calls: list[float] = []
    sched.add_job("tick", lambda: calls.append(clock.now()), interval=60)

    assert sched.run_for(180) == 3
    assert calls == [1_000.0, 1_060.0, 1_120.0]
    assert clock.now() == 1_180.0
    assert capmetrics.value(RUNS, job_name="tick", outcome="success") == 3
    assert capmetrics.count("airdrops.scheduler.job.duration", job_name="tick") == 3
    assert capmetrics.value("airdrops.scheduler.job.interval", job_name="tick") == 60


def test_retries_follow_exponential_backoff_up_to_the_cap(capmetrics: CapturedMetrics) -> None:
    clock = VirtualClock(0.0)
    sched = Scheduler(clock)
    calls: list[float] = []
    job = sched.add_job(
        "claim", flaky(clock, 3, calls), interval=100, max_retries=3, backoff_base=10, backoff_cap=25, jitter=0
    )

    sched.run_for(99)

    # Delays 10, 20, then 40 capped at 25.
    assert calls == [0.0, 10.0, 30.0, 55.0]
    assert job.next_run == 100.0  # back on its grid, not 55 + 100
    assert capmetrics.value("airdrops.scheduler.job.retries", job_name="claim") == 3
    assert capmetrics.value(RUNS, job_name="claim", outcome="failure", error_type="ConnectionError") == 3
    assert capmetrics.value(RUNS, job_name="claim", outcome="success") == 1


def test_after_max_retries_the_job_waits_for_its_next_slot(capmetrics: CapturedMetrics) -> None:
    clock = VirtualClock(0.0)
    sched = Scheduler(clock)
    calls: list[float] = []
    job = sched.add_job("doomed", flaky(clock, 99, calls), interval=100, max_retries=2, backoff_base=1, jitter=0)

    sched.run_for(150)

    assert calls == [0.0, 1.0, 3.0, 100.0, 101.0, 103.0]
    assert job.failures == 6 and job.retries == 4
    assert isinstance(job.last_error, ConnectionError)
    assert capmetrics.value("airdrops.scheduler.job.retries", job_name="doomed") == 4


def test_jitter_comes_from_the_injected_rng_and_never_exceeds_the_delay() -> None:
    delays = [backoff_delay(n, 2.0, 60.0, 0.5, random.Random(7)) for n in range(1, 8)]
    again = [backoff_delay(n, 2.0, 60.0, 0.5, random.Random(7)) for n in range(1, 8)]
    assert delays == again
    for n, d in enumerate(delays, start=1):
        full = min(60.0, 2.0 * 2 ** (n - 1))
        assert full * 0.5 <= d <= full

    def retry_times(seed: int) -> list[float]:
        clock = VirtualClock(0.0)
        sched = Scheduler(clock, rng=random.Random(seed))
        calls: list[float] = []
        sched.add_job("j", flaky(clock, 3, calls), interval=1_000, backoff_base=10, jitter=0.3)
        sched.run_for(500)
        return calls

    assert retry_times(1) == retry_times(1)
    assert retry_times(1) != retry_times(2)


def test_a_blocked_process_counts_missed_runs_and_does_not_burst(capmetrics: CapturedMetrics) -> None:
    clock = VirtualClock(0.0)
    sched = Scheduler(clock)
    calls: list[float] = []
    job = sched.add_job("prices", lambda: calls.append(clock.now()), interval=60)
    sched.run_pending()

    clock.advance(200)  # blocked: slots 60, 120 and 180 all passed
    sched.run_pending()

    assert calls == [0.0, 200.0]  # one run, not three
    assert job.missed == 2
    assert job.next_run == 240.0  # still on the 60 s grid
    assert capmetrics.value("airdrops.scheduler.job.missed", job_name="prices") == 2


def test_late_by_less_than_an_interval_is_not_missed(capmetrics: CapturedMetrics) -> None:
    clock = VirtualClock(0.0)
    sched = Scheduler(clock)
    job = sched.add_job("prices", lambda: None, interval=60)
    clock.advance(59)
    sched.run_pending()
    assert job.missed == 0 and job.next_run == 60.0
    assert capmetrics.series("airdrops.scheduler.job.missed") == []


def test_a_long_running_job_makes_the_others_miss_runs() -> None:
    clock = VirtualClock(0.0)
    sched = Scheduler(clock)
    fast: list[float] = []
    sched.add_job("slow", lambda: clock.sleep(130), interval=1_000)
    fast_job = sched.add_job("fast", lambda: fast.append(clock.now()), interval=60)

    sched.run_for(200)

    assert fast == [130.0, 180.0]  # ran once for the 120 s slot, then on its grid
    assert fast_job.missed == 2


def test_a_raising_job_does_not_stop_the_others(capmetrics: CapturedMetrics) -> None:
    clock = VirtualClock(0.0)
    sched = Scheduler(clock)
    good: list[float] = []

    def bad() -> None:
        raise RuntimeError("boom")

    sched.add_job("bad", bad, interval=60, max_retries=0)
    sched.add_job("good", lambda: good.append(clock.now()), interval=60)

    sched.run_for(300)

    assert good == [0.0, 60.0, 120.0, 180.0, 240.0]
    assert capmetrics.value(RUNS, job_name="bad", outcome="failure", error_type="RuntimeError") == 5
    assert capmetrics.value(RUNS, job_name="good", outcome="success") == 5


def test_queue_depth_counts_the_jobs_still_waiting(capmetrics: CapturedMetrics) -> None:
    sched = Scheduler(VirtualClock(0.0))
    seen: list[float] = []
    for name in ("a", "b", "c"):
        sched.add_job(name, lambda: seen.append(capmetrics.value("airdrops.scheduler.queue.depth")), interval=60)
    sched.run_pending()
    assert seen == [2, 1, 0]
    assert capmetrics.value("airdrops.scheduler.queue.depth") == 0


def test_invalid_jobs_are_refused() -> None:
    sched = Scheduler(VirtualClock(0.0))
    sched.add_job("a", lambda: None, interval=1)
    with pytest.raises(ValueError, match="already exists"):
        sched.add_job("a", lambda: None, interval=1)
    with pytest.raises(ValueError):
        sched.add_job("b", lambda: None, interval=0)
    with pytest.raises(ValueError):
        sched.add_job("c", lambda: None, interval=1, jitter=1.5)


def test_run_until_keeps_absolute_deadlines_when_a_job_overruns() -> None:
    clock = VirtualClock(0.0)
    sched = Scheduler(clock)
    ticks: list[float] = []
    sched.add_job("stall", lambda: clock.sleep(150) if clock.now() == 0 else None, interval=1_000)
    sched.add_job("tick", lambda: ticks.append(clock.now()), interval=50)

    sched.run_until(100)  # the stall overruns the deadline; the queued tick still runs
    assert clock.now() == 150.0 and ticks == [150.0]
    sched.run_until(200)  # the next deadline is absolute: no drift from the overrun
    assert clock.now() == 200.0 and ticks == [150.0]
    assert sched.jobs["tick"].missed == 3  # slots 0, 50 and 100; it ran for the 150 slot
