"""Prometheus against the event log: after loading both, look for the days where they disagree.

The view `prometheus_vs_events` compares, per UTC day, bot and measure (claims, transactions, gas,
fees, claimed value), what Prometheus counted with what the event log recorded over the same stretch
of time. A disagreement beyond the vocabulary's `RECONCILE_TOLERANCE` means one side lost data (an
event log that was not shipped, a scrape gap, a bot writing events without metrics or the other way
round): each is logged as a warning and counted in `airdrops.etl.sources.disagreements`, which the
alert `AirdropsSourcesDisagree` watches.

    for d in check_sources(conn, since=date(2025, 3, 1)):
        print(d.day, d.bot_id, d.measure, d.prometheus, d.events)
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


def check_sources(conn: Connection, since: date) -> list[Disagreement]:
    """The disagreements of `since` and later, each logged and counted."""
    rows = conn.execute(
        "SELECT day, bot_id, measure, prometheus, events FROM prometheus_vs_events "
        "WHERE day >= %s AND NOT agrees ORDER BY day, bot_id, measure",
        (since,),
    )
    found = [Disagreement(r[0], r[1], r[2], float(r[3]), float(r[4])) for r in rows]
    for d in found:
        metrics.etl_sources_disagreements.add(1, measure=d.measure)
        _log.warning(
            "Prometheus and the event log disagree on %s for bot %s on %s: %s counted, %s recorded",
            d.measure, d.bot_id, d.day, d.prometheus, d.events,
        )  # fmt: skip
    return found
