"""What the analytics dashboards share: the PostgreSQL datasource variable, SQL template variables, links.

Panels point at `${datasource}`, a variable of type `grafana-postgresql-datasource`, so the JSON works
in any Grafana with a datasource on the warehouse (read it as the `airdrops_reader` role).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builder
from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.analytics import sql
from airdrops.dashboards.common import TAG, base_dashboard, multi_value_variable

#: Grafana 11's plugin id of its PostgreSQL datasource.
DATASOURCE_TYPE = "grafana-postgresql-datasource"
DATASOURCE_VARIABLE = "datasource"
DATASOURCE = model.DataSourceRef(type_val=DATASOURCE_TYPE, uid=f"${{{DATASOURCE_VARIABLE}}}")
#: Tags: shared with the operations dashboards (the links drop-down), plus their own.
TAGS = [TAG, "analytics"]
#: Variable name -> (label, SQL returning its values).
VARIABLES: dict[str, tuple[str, str]] = {
    "bot_id": ("Bot", sql.BOT_ID_VALUES),
    "chain": ("Chain", sql.CHAIN_VALUES),
    "protocol": ("Protocol", sql.PROTOCOL_VALUES),
    "airdrop": ("Airdrop", sql.AIRDROP_VALUES),
}


def datasource_variable() -> builder.DatasourceVariable:
    return (
        builder.DatasourceVariable(DATASOURCE_VARIABLE)
        .label("Warehouse")
        .description("PostgreSQL warehouse the ETL loads (connect as a member of airdrops_reader).")
        .type(DATASOURCE_TYPE)
    )


def sql_variable(name: str) -> builder.QueryVariable:
    """A multi-value variable over a column of the views, `All` by default (Grafana lists every value)."""
    label, query = VARIABLES[name]
    description = f"Filters the panels on `{name}`."
    return multi_value_variable(name, label, description, DATASOURCE, query).refresh(
        model.VariableRefresh.ON_DASHBOARD_LOAD
    )


def new_dashboard(
    uid: str, title: str, description: str, variables: list[str], *, time_from: str = "now-30d"
) -> builder.Dashboard:
    """A dashboard with the datasource and `variables`, links, tags and daily-data time settings."""
    dash = base_dashboard(
        uid, title, description, tags=TAGS, time_from=time_from, refresh="1h", datasource=datasource_variable()
    )
    for name in variables:
        dash = dash.with_variable(sql_variable(name))
    return dash
