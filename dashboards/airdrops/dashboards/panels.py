"""Panel builders with the house defaults: Prometheus targets on `${datasource}`, a unit on each.

>>> p = timeseries("RPC latency", "Quantiles.", "s", [Query("up", "up")]).build()
>>> p.type_val, p.field_config.defaults.unit
('timeseries', 's')
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import (
    bargauge,
    common as common_builder,
    dashboard as builder,
    gauge as gauge_builder,
    prometheus,
    stat as stat_builder,
    timeseries as timeseries_builder,
)
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.variants import Dataquery
from grafana_foundation_sdk.models import common, dashboard as model

from airdrops.dashboards.common import DATASOURCE
from airdrops.dashboards.queries import Query

#: (value, color) steps of a threshold scale; the first applies from minus infinity.
Steps = Sequence[tuple[float | None, str]]
OK = ((None, "green"),)


def bottom_legend() -> common_builder.VizLegendOptions:
    """A list legend under the graph."""
    return (
        common_builder.VizLegendOptions()
        .display_mode(common.LegendDisplayMode.LIST)
        .placement(common.LegendPlacement.BOTTOM)
        .show_legend(True)
    )


def all_series_tooltip() -> common_builder.VizTooltipOptions:
    """A tooltip listing every series, largest first."""
    return common_builder.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.DESCENDING)


def thresholds(steps: Steps) -> builder.ThresholdsConfig:
    return (
        builder.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(value=value, color=color) for value, color in steps])
    )


def targets(queries: Sequence[Query], *, instant: bool = False) -> list[Builder[Dataquery]]:
    out: list[Builder[Dataquery]] = []
    for i, query in enumerate(queries):
        target = (
            prometheus.Dataquery()
            .ref_id(chr(ord("A") + i))
            .expr(query.expr)
            .legend_format(query.legend)
            .datasource(DATASOURCE)
        )
        out.append(target.instant() if instant else target.range())
    return out


def dashed() -> list[model.DynamicConfigValue]:
    """Field override properties drawing a series as a dashed line (limits, targets, intervals)."""
    return [model.DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]})]


def base_timeseries(
    title: str,
    description: str,
    unit: str,
    datasource: model.DataSourceRef,
    queries: list[Builder[Dataquery]],
    *,
    stacked: bool,
    points: common.VisibilityMode,
    width: int,
    height: int = 8,
) -> timeseries_builder.Panel:
    """A time series panel as every airdrops dashboard draws one, on any datasource."""
    panel = (
        timeseries_builder.Panel()
        .title(title)
        .description(description)
        .datasource(datasource)
        .targets(queries)
        .unit(unit)
        .span(width)
        .height(height)
        .line_width(1)
        .fill_opacity(30 if stacked else 10)
        .show_points(points)
        .legend(bottom_legend())
        .tooltip(all_series_tooltip())
    )
    if stacked:
        panel = panel.stacking(common_builder.StackingConfig().mode(common.StackingMode.NORMAL))
    return panel


def base_stat(
    title: str,
    description: str,
    unit: str,
    datasource: model.DataSourceRef,
    queries: list[Builder[Dataquery]],
    *,
    steps: Steps,
    width: int,
    height: int = 4,
) -> stat_builder.Panel:
    """One number, coloured by `steps`, on any datasource."""
    return (
        stat_builder.Panel()
        .title(title)
        .description(description)
        .datasource(datasource)
        .targets(queries)
        .unit(unit)
        .span(width)
        .height(height)
        .thresholds(thresholds(steps))
        .color_mode(common.BigValueColorMode.VALUE)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def timeseries(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    stacked: bool = False,
    dashed_series: str | None = None,
    width: int = 12,
    height: int = 8,
) -> timeseries_builder.Panel:
    points = common.VisibilityMode.NEVER
    panel = base_timeseries(
        title,
        description,
        unit,
        DATASOURCE,
        targets(queries),
        stacked=stacked,
        points=points,
        width=width,
        height=height,
    ).min(0)
    if dashed_series is not None:
        panel = panel.override_by_regexp(dashed_series, dashed())
    return panel


def stat(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    steps: Steps = OK,
    mappings: list[model.ValueMapping] | None = None,
    width: int = 6,
    height: int = 4,
) -> stat_builder.Panel:
    """A single current value (instant query), colored by `steps`."""
    instant = targets(queries, instant=True)
    panel = base_stat(title, description, unit, DATASOURCE, instant, steps=steps, width=width, height=height)
    return panel.mappings(mappings) if mappings else panel


def gauge(
    title: str, description: str, unit: str, queries: Sequence[Query], *, steps: Steps, width: int = 6, height: int = 4
) -> gauge_builder.Panel:
    """A ratio on a 0..1 dial (instant query)."""
    return (
        gauge_builder.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets(queries, instant=True))
        .unit(unit)
        .min(0)
        .max(1)
        .span(width)
        .height(height)
        .thresholds(thresholds(steps))
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def bar_gauge(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    steps: Steps = OK,
    bounds: tuple[float, float] | None = None,
    width: int = 12,
    height: int = 8,
) -> bargauge.Panel:
    """One horizontal bar per series (instant query), e.g. per protocol or per job."""
    panel = (
        bargauge.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets(queries, instant=True))
        .unit(unit)
        .span(width)
        .height(height)
        .thresholds(thresholds(steps))
        .orientation(common.VizOrientation.HORIZONTAL)
        .display_mode(common.BarGaugeDisplayMode.GRADIENT)
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    if bounds is not None:
        panel = panel.min(bounds[0]).max(bounds[1])
    return panel


def state(text_by_value: dict[str, tuple[str, str]]) -> list[model.ValueMapping]:
    """Value mappings `{"0": ("OK", "green")}` for gauges that encode a state."""
    options = {
        value: model.ValueMappingResult(text=text, color=color, index=i)
        for i, (value, (text, color)) in enumerate(text_by_value.items())
    }
    return [model.ValueMap(options=options)]


def row(title: str) -> builder.Row:
    return builder.Row(title)


def number_panels(dash: model.Dashboard) -> model.Dashboard:
    """Give every panel and row a stable id, in layout order (Grafana would pick them at load)."""
    for i, panel in enumerate(dash.panels or [], start=1):
        panel.id_val = i
    return dash
