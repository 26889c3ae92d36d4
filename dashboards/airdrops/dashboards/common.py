"""What every airdrops dashboard shares: datasource and template variables, links, alert annotations.

Nothing here names a datasource uid: panels point at `${datasource}`, a variable of type prometheus,
so the same JSON works in any Grafana that has a Prometheus datasource.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builder
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards import queries

#: Tag shared by the dashboards; the links between them select by it.
TAG = "airdrops"
DATASOURCE_VARIABLE = "datasource"
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
#: Template variables besides the datasource: name, label, `label_values()` query.
LABEL_VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("bot_id", "Bot", queries.BOT_ID_VALUES),
    ("chain", "Chain", queries.CHAIN_VALUES),
    ("protocol", "Protocol", queries.PROTOCOL_VALUES),
)
#: The "All" value sent to Prometheus: a regex matching every value, including series without the
#: label (`protocol="reserve"` idle capital is not in every list Grafana would otherwise expand).
ALL_VALUE = ".*"
REFRESH_INTERVALS = ["10s", "30s", "1m", "5m", "15m", "1h"]


def datasource_variable() -> builder.DatasourceVariable:
    return (
        builder.DatasourceVariable(DATASOURCE_VARIABLE)
        .label("Data source")
        .description("Prometheus that scrapes the bots.")
        .type("prometheus")
    )


def multi_value_variable(
    name: str, label: str, description: str, datasource: model.DataSourceRef, query: str
) -> builder.QueryVariable:
    """A variable over a query's values, several at once, `All` by default (any datasource)."""
    return (
        builder.QueryVariable(name)
        .label(label)
        .description(description)
        .datasource(datasource)
        .query(query)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .current(model.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def label_variable(name: str, label: str, query: str) -> builder.QueryVariable:
    """A multi-value variable over a label's values, `All` by default."""
    description = f"Filters the panels whose metrics carry `{name}`."
    return (
        multi_value_variable(name, label, description, DATASOURCE, query)
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .all_value(ALL_VALUE)
    )


def links() -> list[Builder[model.DashboardLink]]:
    """A drop-down to the other airdrops dashboards, keeping the time range and variables."""
    return [
        builder.DashboardLink("Airdrops dashboards")
        .type(model.DashboardLinkType.DASHBOARDS)
        .tags([TAG])
        .as_dropdown(True)
        .include_vars(True)
        .keep_time(True)
    ]


def alerts_annotation() -> builder.AnnotationQuery:
    """Firing Prometheus alerts of the chosen bots, from the `ALERTS` series."""
    return (
        builder.AnnotationQuery()
        .name("Firing alerts")
        .datasource(DATASOURCE)
        .expr(queries.ALERTS_ANNOTATION)
        .icon_color("red")
        .enable(True)
    )


def base_dashboard(
    uid: str,
    title: str,
    description: str,
    *,
    tags: list[str],
    time_from: str,
    refresh: str,
    datasource: builder.DatasourceVariable,
) -> builder.Dashboard:
    """What every airdrops dashboard has: read-only, shared crosshair, its datasource variable, the links."""
    return (
        builder.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(tags)
        .readonly()
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .time(time_from, "now")
        .refresh(refresh)
        .timepicker(builder.TimePicker().refresh_intervals(REFRESH_INTERVALS))
        .with_variable(datasource)
        .links(links())
    )


def new_dashboard(uid: str, title: str, description: str, *, time_from: str = "now-3h") -> builder.Dashboard:
    """A dashboard with the shared variables, links, annotation, tags and time settings."""
    dash = base_dashboard(
        uid, title, description, tags=[TAG], time_from=time_from, refresh="30s", datasource=datasource_variable()
    ).annotation(alerts_annotation())
    for name, label, query in LABEL_VARIABLES:
        dash = dash.with_variable(label_variable(name, label, query))
    return dash
