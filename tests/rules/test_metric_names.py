"""Rules may only name catalogue metrics, recording rules built on them, and the few series
Prometheus or every bot provide; and only the labels those series have (design contract 1).

Names and matchers come from the real PromQL grammar (the `promql-parser` package), not a regex.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import promql_parser as pp
import pytest

from airdrops.monitoring import catalog
from airdrops.rules.config import DEFAULT
from airdrops.rules.stack_alerts import STACK_SERIES

#: Series that are not in the catalogue but always exist, and why.
BUILTINS = {
    "up": "Prometheus' own scrape health, one per target",
    "target_info": "the OpenTelemetry resource every bot serves, carrying bot_id",
    "process_start_time_seconds": "prometheus_client's process collector, which the SDK serves with bot_id",
}
#: Labels every airdrops series has besides its attributes: the SDK adds bot_id, Prometheus
#: job and instance. Histogram buckets have le.
COMMON_LABELS = {"bot_id", "job", "instance"}


@dataclass
class Selector:
    name: str | None
    matchers: list[tuple[str, pp.MatchOp, str]]


def parse(expr: str) -> tuple[list[Selector], set[str]]:
    """The vector selectors of an expression, and every label it groups or matches on."""
    selectors: list[Selector] = []
    labels: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, pp.VectorSelector):
            selectors.append(Selector(node.name, [(m.name, m.op, m.value) for m in node.matchers.matchers]))
        elif isinstance(node, pp.AggregateExpr) and node.modifier is not None:
            labels.update(node.modifier.labels)
        elif isinstance(node, pp.BinaryExpr) and node.modifier is not None:
            if node.modifier.matching is not None:
                labels.update(node.modifier.matching.labels)
            labels.update(node.modifier.group_labels or [])

    pp.walk(pp.parse(expr), visit)
    return selectors, labels


@pytest.fixture(scope="module")
def exprs(alert_rules, recording_rules) -> list[tuple[str, str]]:
    return [(r.get("alert") or r["record"], r["expr"]) for r in itertools.chain(recording_rules, alert_rules)]


def allowed_labels(spec: catalog.MetricSpec) -> set[str]:
    keys = set(spec.label_names)
    if "job" in keys:  # the scheduler's `job` attribute, renamed by Prometheus
        keys.add(DEFAULT.scheduler_job_label)
    return keys | COMMON_LABELS | ({"le"} if spec.kind == "histogram" else set())


def test_the_parser_sees_through_the_syntax():
    selectors, labels = parse(
        'sum by (bot_id) (rate(a_total{job="x", reason!~"p|q"}[5m])) / on (bot_id) group_left (k) b or vector(1)'
    )
    assert [s.name for s in selectors] == ["a_total", "b"]
    assert selectors[0].matchers == [("job", pp.MatchOp.Equal, "x"), ("reason", pp.MatchOp.NotRe, "p|q")]
    assert labels == {"bot_id", "k"}


def test_every_metric_is_catalogued_recorded_or_builtin(exprs, recording_rules):
    catalogued = catalog.prometheus_names()
    recorded = {r["record"] for r in recording_rules}
    assert not recorded & catalogued.keys()
    for rule, expr in exprs:
        for sel in parse(expr)[0]:
            assert sel.name, f"{rule}: a selector without a metric name"
            assert sel.name in catalogued or sel.name in recorded or sel.name in BUILTINS | STACK_SERIES.keys(), (
                f"{rule}: {sel.name} is neither a catalogue metric, a recording rule, a builtin nor a stack series"
            )


def test_recording_rules_are_defined_before_use_within_the_file(recording_groups):
    """A recording rule reading another reads the one of the same evaluation only if it comes after it."""
    defined: set[str] = set()
    for group in recording_groups:
        for rule in group["rules"]:
            for sel in parse(rule["expr"])[0]:
                if ":" in (sel.name or ""):
                    assert sel.name in defined, f"{rule['record']} reads {sel.name} before it is recorded"
            defined.add(rule["record"])


def test_recording_rule_names_are_level_metric_operations(recording_rules):
    for rule in recording_rules:
        level, metric, operations = rule["record"].split(":")
        assert level and metric.startswith("airdrops_") and operations, rule["record"]
        if "rate" in operations:  # a sum of counters is still a counter and keeps its name (Prometheus' docs)
            assert not metric.endswith("_total"), f"{rule['record']}: drop _total from a rate's name"
        # The level lists the labels the result keeps (quantile is set by the rule itself).
        kept = set(level.split("_")) - {"bot", "id", "exported"}
        # (job and instance only join `up` to its target's identity in bot_id:airdrops_bot_up:max)
        joins = {"job", "instance"} if "group_left" in rule["expr"] else set()
        for label in parse(rule["expr"])[1] - {"le", "bot_id", "job_name"} - joins:
            assert label in kept, f"{rule['record']}: aggregates by {label} but its level does not say so"


def test_matchers_use_only_labels_and_values_the_catalogue_declares(exprs):
    catalogued = catalog.prometheus_names()
    for rule, expr in exprs:
        for sel in parse(expr)[0]:
            spec = catalogued.get(sel.name or "")
            if sel.name in STACK_SERIES:
                labels = set(STACK_SERIES[sel.name][1]) | {"job", "instance"}
                assert {m[0] for m in sel.matchers} <= labels, f"{rule}: {sel.name} has labels {sorted(labels)}"
            if spec is None:
                continue
            closed = {a.key: set(a.values) for a in spec.attributes if a.values}
            for label, op, value in sel.matchers:
                assert label in allowed_labels(spec), f"{rule}: {sel.name} has no label {label}"
                if label in closed:
                    values = value.split("|") if op in (pp.MatchOp.Re, pp.MatchOp.NotRe) else [value]
                    assert set(values) <= closed[label], f"{rule}: {label}={value} outside {sorted(closed[label])}"


def test_grouping_labels_exist_somewhere(exprs):
    known = set(COMMON_LABELS) | {"le", "quantile", DEFAULT.scheduler_job_label}
    known |= {a.key for spec in catalog.METRICS for a in spec.attributes}
    known |= {label for _, labels, _ in STACK_SERIES.values() for label in labels}
    for rule, expr in exprs:
        unknown = parse(expr)[1] - known
        assert not unknown, f"{rule}: groups or matches on unknown labels {unknown}"
