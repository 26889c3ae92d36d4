"""Panels over the warehouse: SQL targets on the `${datasource}` PostgreSQL variable, a unit on each.

grafana-foundation-sdk 11.6 has no PostgreSQL query model, so a target is the JSON Grafana stores for
its SQL datasources (`rawSql`, `format`, `editorMode: code`), wrapped as a `Dataquery`.

    >>> t = sql_target("A", Sql("SELECT 1")).build().to_json()
    >>> t["rawSql"], t["format"], t["datasource"]["type"]
    ('SELECT 1', 'table', 'grafana-postgresql-datasource')
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import (
    barchart,
    common as common_builder,
    dashboard as dashboard_builder,
    stat as stat_builder,
    table as table_builder,
    timeseries as timeseries_builder,
)
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.runtime import UnknownDataquery
from grafana_foundation_sdk.cog.variants import Dataquery
from grafana_foundation_sdk.models import common, dashboard as model

from airdrops.dashboards.analytics.common import DATASOURCE
from airdrops.dashboards.analytics.sql import Sql
from airdrops.dashboards.panels import OK, Steps, base_stat, base_timeseries, thresholds


class _Target(Builder[Dataquery]):
    def __init__(self, query: Dataquery) -> None:
        self._query = query

    def build(self) -> Dataquery:
        return self._query


def sql_target(ref_id: str, query: Sql) -> Builder[Dataquery]:
    return _Target(
        UnknownDataquery(
            {
                "refId": ref_id,
                "datasource": DATASOURCE.to_json(),
                "editorMode": "code",
                "format": query.format,
                "rawQuery": True,
                "rawSql": query.sql,
            }
        )
    )


def targets(queries: Sequence[Sql]) -> list[Builder[Dataquery]]:
    return [sql_target(chr(ord("A") + i), q) for i, q in enumerate(queries)]


def units(columns: dict[str, str]) -> list[tuple[str, list[model.DynamicConfigValue]]]:
    """Field overrides giving each named column its unit."""
    return [(name, [model.DynamicConfigValue(id_val="unit", value=unit)]) for name, unit in columns.items()]


def timeseries(
    title: str, description: str, unit: str, queries: Sequence[Sql], *, stacked: bool = False, width: int = 12
) -> timeseries_builder.Panel:
    points = common.VisibilityMode.AUTO
    return base_timeseries(
        title, description, unit, DATASOURCE, targets(queries), stacked=stacked, points=points, width=width
    )


def stat(
    title: str, description: str, unit: str, query: Sql, *, steps: Steps = OK, width: int = 6
) -> stat_builder.Panel:
    """One number for the time range (a one-row table query)."""
    return base_stat(title, description, unit, DATASOURCE, targets([query]), steps=steps, width=width)


def bars(
    title: str, description: str, unit: str, query: Sql, x_field: str, *, steps: Steps = OK, width: int = 12
) -> barchart.Panel:
    """One horizontal bar per row of a table query, coloured by `steps`."""
    return (
        barchart.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets([query]))
        .unit(unit)
        .span(width)
        .height(8)
        .x_field(x_field)
        .orientation(common.VizOrientation.HORIZONTAL)
        .show_value(common.VisibilityMode.AUTO)
        .thresholds(thresholds(steps))
        .color_scheme(dashboard_builder.FieldColor().mode(model.FieldColorModeId.THRESHOLDS))
        .legend(common_builder.VizLegendOptions().show_legend(False))
    )


def table(
    title: str, description: str, query: Sql, column_units: dict[str, str], *, width: int = 24
) -> table_builder.Panel:
    """The rows of a table query, with a unit per column."""
    panel = (
        table_builder.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets([query]))
        .unit("short")
        .span(width)
        .height(8)
        .filterable(True)
    )
    for name, properties in units(column_units):
        panel = panel.override_by_name(name, properties)
    return panel
