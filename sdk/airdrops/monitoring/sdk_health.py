"""The SDK's own health in the metric catalogue: what it wrote, lost, dropped or folded.

`airdrops.monitoring.catalog` lists these with the rest; they live here so that the catalogue
module stays one screenful per domain.
"""

from __future__ import annotations

from airdrops.monitoring.spec import Attribute, MetricSpec

_SDK = "airdrops.monitoring"
_METRIC = Attribute("metric", "Name of the catalogue metric concerned.")

SDK_HEALTH: tuple[MetricSpec, ...] = (
    MetricSpec(
        "airdrops.sdk.events.written",
        "counter",
        "{event}",
        "Events written to the event log, by type.",
        _SDK,
        (Attribute("type", "Event type."),),
    ),
    MetricSpec(
        "airdrops.sdk.events.dropped",
        "counter",
        "{event}",
        "Events that will not reach the warehouse, by reason: queue full, I/O error (disk full), shutdown,"
        " or invalid (written to the log as given; the ETL quarantines it).",
        _SDK,
        (Attribute("reason", "Why the event was lost.", ("queue_full", "io_error", "invalid", "shutdown")),),
    ),
    MetricSpec(
        "airdrops.sdk.attributes.rejected",
        "counter",
        "{attribute}",
        "Attributes dropped because the catalogue does not declare them or their value is outside the declared set.",
        _SDK,
        (_METRIC,),
    ),
    MetricSpec(
        "airdrops.sdk.measurements.dropped",
        "counter",
        "{measurement}",
        "Measurements dropped because their value cannot be recorded: not a number (None, text), not finite"
        " (NaN, or infinity outside gauges), or a negative counter increment.",
        _SDK,
        (_METRIC, Attribute("reason", "Why the value was dropped.", ("not_a_number", "not_finite", "negative"))),
    ),
    MetricSpec(
        "airdrops.sdk.exports",
        "counter",
        "{export}",
        "Pushes of the metrics to an exporter (OTLP, console), by outcome; a failed one is retried at the next"
        " interval.",
        _SDK,
        (
            Attribute("exporter", "The exporter.", ("otlp", "console")),
            Attribute("outcome", "Whether the receiver took it.", ("success", "failure")),
        ),
    ),
    MetricSpec(
        "airdrops.sdk.cardinality.overflow",
        "counter",
        "{measurement}",
        "Measurements folded into the overflow series because a metric hit its series limit.",
        _SDK,
        (_METRIC,),
    ),
)
