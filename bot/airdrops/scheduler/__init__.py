"""A small job scheduler with an injectable clock, shared by the live bot and history mode.

    from airdrops.scheduler import RealClock, Scheduler

    sched = Scheduler(RealClock())
    sched.add_job("claim-all", claim_all, interval=3600, max_retries=3, backoff_base=5, backoff_cap=120)
    sched.run_for(24 * 3600)

Each execution is recorded through `monitoring.track_job`; retries, missed runs, the queue of
due jobs and each job's interval go to the `airdrops.scheduler.*` metrics.
"""

from airdrops.scheduler.clock import Clock, RealClock, VirtualClock, as_datetime
from airdrops.scheduler.core import Job, Scheduler, backoff_delay

__all__ = ["Clock", "Job", "RealClock", "Scheduler", "VirtualClock", "as_datetime", "backoff_delay"]
