"""History mode: weeks of bot activity simulated in seconds, written to the same event log.

No chain and no node: simulated protocols on four chains (gas profiles, failure rates, RPC
outages), four airdrops with eligibility rules and claim windows, seeded random walks for
prices and gas. The reference bot's own Scheduler (on a `VirtualClock`), RiskManager and
Allocator drive it, and everything is recorded through `airdrops.monitoring` with the virtual
time on every event, so the ETL, analytics and dashboards see what weeks of a live bot would
produce. The same seed gives the same events (apart from `event_id`).

    from datetime import UTC, datetime
    from airdrops import monitoring
    from airdrops.history import simulate

    handle = monitoring.configure("history", port=0, events_dir="events", instrument_requests=False)
    summary = simulate(days=30, wallets=20, seed=7, start=datetime(2025, 1, 1, tzinfo=UTC))
    handle.shutdown()

Or from a shell: `airdrops bot run --simulate-days 30 --wallets 20 --seed 7 --events-dir events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from airdrops import monitoring
from airdrops.history.engine import DAY, Simulation
from airdrops.history.world import World, default_world
from airdrops.scheduler import as_datetime

DEFAULT_START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SimulationSummary:
    """Totals of one simulated run."""

    days: int
    wallets: int
    seed: int
    start: datetime
    end: datetime
    #: Transactions other than claims: by action, and failures by reason.
    tx_by_action: dict[str, int]
    tx_failed: dict[str, int]
    #: Claim attempts by result: `success` or the failure reason.
    claims: dict[str, int]
    claimed_value_usd: float
    gas_used: int
    gas_usd: float
    fees_usd: float
    sold_usd: float
    initial_portfolio_usd: float
    final_portfolio_usd: float
    #: Events the simulation wrote through the SDK.
    events: int
    job_runs: int
    job_failures: int
    job_retries: int
    missed_runs: int
    risk_refusals: dict[str, int]
    risk_breaches: int
    kill_switch_trips: int
    rebalances: int
    host_stalls: int

    @property
    def transactions(self) -> int:
        return sum(self.tx_by_action.values())

    @property
    def pnl_usd(self) -> float:
        return self.final_portfolio_usd - self.initial_portfolio_usd


def simulate(
    days: int, wallets: int, seed: int, start: datetime = DEFAULT_START, *, world: World | None = None
) -> SimulationSummary:
    """Simulate `days` days of `wallets` wallets farming, from `start` (timezone-aware).

    Writes through the SDK; call `monitoring.configure()` first to get an event file. The event
    log is flushed after each simulated day so its bounded queue never overflows.
    """
    sim = Simulation(days, wallets, seed, start, world)
    for day in range(1, days + 1):
        sim.scheduler.run_until(sim.t0 + day * DAY)
        handle = monitoring.current()
        if handle is not None:
            handle.flush()
    jobs = sim.scheduler.jobs.values()
    s = sim.stats
    return SimulationSummary(
        days=days,
        wallets=wallets,
        seed=seed,
        start=start,
        end=as_datetime(sim.clock.now()),
        tx_by_action=dict(sorted(s.tx.items())),
        tx_failed=dict(sorted(s.tx_failed.items())),
        claims=dict(sorted(s.claims.items())),
        claimed_value_usd=round(s.claimed_usd, 2),
        gas_used=s.gas_used,
        gas_usd=round(s.gas_usd, 2),
        fees_usd=round(s.fees_usd, 2),
        sold_usd=round(s.sold_usd, 2),
        initial_portfolio_usd=round(sim.initial_value, 2),
        final_portfolio_usd=round(sim.portfolio_value(), 2),
        events=s.events + sim.risk.breaches,
        job_runs=sum(j.runs for j in jobs),
        job_failures=sum(j.failures for j in jobs),
        job_retries=sum(j.retries for j in jobs),
        missed_runs=sum(j.missed for j in jobs),
        risk_refusals=dict(sorted(s.refused.items())),
        risk_breaches=sim.risk.breaches,
        kill_switch_trips=s.kill_switch_trips,
        rebalances=s.rebalances,
        host_stalls=s.stalls,
    )


__all__ = ["DEFAULT_START", "Simulation", "SimulationSummary", "World", "default_world", "simulate"]
