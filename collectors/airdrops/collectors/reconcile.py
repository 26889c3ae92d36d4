"""Prometheus against the event log: after loading both, look for the days where they disagree.

The view `prometheus_vs_events` compares, per UTC day, bot and measure (claims, transactions, gas,
fees, claimed value), what Prometheus counted with what the event log recorded over the same stretch
of time. A disagreement beyond the vocabulary's `RECONCILE_TOLERANCE` means one side lost data (an
event log that was not shipped, a scrape gap, a bot writing events without metrics or the other way
round): each is logged as a warning and counted in `airdrops.etl.sources.disagreements`, which the
alert `AirdropsSourcesDisagree` watches.

    for d in check_sources(conn, date(2025, 3, 1), date(2025, 3, 2)):
        print(d.day, d.bot_id, d.measure, d.prometheus, d.events)

Check whole days: an event shows in Prometheus a scrape and an evaluation after it happened, so the last
minutes of a running bot are not yet in the samples the events are compared with. The collector checks
the days its metrics run completed (crossed the end of).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from airdrops.collectors.warehouse.connect import Connection
from airdrops.monitoring import metrics

_log = logging.getLogger("airdrops.collectors")


@dataclass(frozen=True)
class Disagreement:
    day: date
    bot_id: str
    measure: str
    prometheus: float
    events: float


def check_sources(conn: Connection, first_day: date, end_day: date) -> list[Disagreement]:
    """The disagreements of the days from `first_day` up to (not including) `end_day`, each logged and counted."""
    rows = conn.execute(
        "SELECT day, bot_id, measure, prometheus, events FROM prometheus_vs_events "
        "WHERE day >= %s AND day < %s AND NOT agrees ORDER BY day, bot_id, measure",
        (first_day, end_day),
    )
    found = [Disagreement(r[0], r[1], r[2], float(r[3]), float(r[4])) for r in rows]
    for d in found:
        metrics.etl_sources_disagreements.add(1, measure=d.measure)
        _log.warning(
            "Prometheus and the event log disagree on %s for bot %s on %s: %s counted, %s recorded",
            d.measure, d.bot_id, d.day, d.prometheus, d.events,
        )  # fmt: skip
    return found
