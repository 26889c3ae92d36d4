"""Small PromQL builders shared by the recording and alerting rules.

Metric names come from the SDK's catalogue (`MetricSpec.prometheus_name`), so a renamed metric
changes the rules with it; every raw selector carries the configured bot selector.
"""

from __future__ import annotations

import textwrap

from airdrops.monitoring import catalog


def metric(otel_name: str, suffix: str = "") -> str:
    """The exported Prometheus name of a catalogue metric (`_bucket`/`_count` for histograms)."""
    return catalog.get(otel_name).prometheus_name + suffix


def selector(name: str, *matchers: str) -> str:
    """`name{m1, m2}`, with empty matchers left out."""
    inner = ", ".join(m for m in matchers if m)
    return f"{name}{{{inner}}}"


def by(*labels: str) -> str:
    return ", ".join(labels)


def level(*labels: str) -> str:
    """The `level` part of a recording rule name: the labels it keeps, joined by `_`."""
    return "_".join(labels)


def num(value: float) -> str:
    """A threshold as PromQL text, without float noise: 0.005, 14.4, 100."""
    return format(value, ".10g")


def regex_alternatives(values: tuple[str, ...]) -> str:
    return "|".join(values)


def increase_with_births(sel: str, window: str, up: str) -> str:
    """How much a counter grew over `window`, counting series that were born within it.

    OpenTelemetry counters appear at their first increment, so `increase()` alone cannot see the
    first events (a series first scraped at 3 increases by 0). A series absent `window` ago
    counts its whole value instead, when that is larger (or when it has a single sample so far),
    provided Prometheus was already scraping its target (`up`, the target's selector) then: a
    fresh Prometheus meeting old counters must not take their values for new events.
    """
    born = f"(\n  {sel}\n  unless {sel} offset {window}\n  and on (job, instance) {up} offset {window}\n)"
    grown = f"increase({sel}[{window}])"
    return f"{born} > {grown}\nor\n{grown}\nor\n{born}"


def aggregate(op: str, inner: str) -> str:
    """`op (inner)`, the inner expression indented on its own lines: `sum by (a) (\n  x\n)`."""
    return f"{op} (\n{textwrap.indent(inner, '  ')}\n)"


def ratio_rate(failures: str, total: str, labels: str, window: str) -> str:
    """`sum(rate(failures)) / sum(rate(total))` by `labels`; 0, not nothing, while no failure exists."""
    bad = f"sum by ({labels}) (rate({failures}[{window}]))"
    all_ = f"sum by ({labels}) (rate({total}[{window}]))"
    return f"(\n  {bad}\n  or\n  0 * {all_}\n)\n/\n{all_}"


def pct(ratio: float) -> str:
    """A ratio as a percentage for annotations: 0.05 -> `5%`, 0.995 -> `99.5%`."""
    return format(round(ratio * 100, 6), "g") + "%"


def target_down(job_selector: str) -> str:
    """The targets of a scrape job that fail their scrapes, with the `bot_id` of the last
    `target_info` each served within 1h, so Alertmanager can group and inhibit by it; a target
    never scraped successfully is listed without it."""
    up = selector("up", job_selector)
    info = selector("target_info", job_selector)
    return (
        f"(\n  {up} == 0\n)\n"
        f"* on (job, instance) group_left (bot_id)\n"
        f"  topk by (job, instance) (1, last_over_time({info}[1h]))\n"
        f"or on (job, instance)\n"
        f"  {up} == 0"
    )
