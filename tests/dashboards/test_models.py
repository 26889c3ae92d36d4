"""The JSON loads through grafana-foundation-sdk's Grafana 11.6 models, with the house conventions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models import dashboard as model, prometheus

from tests.dashboards.grafana import LABEL_VARIABLES, PROMETHEUS_UIDS, UIDS, load, panels

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


@pytest.fixture(scope="module", autouse=True)
def plugins():
    register_default_plugins()  # panel options and Prometheus queries decode to their typed models


def assert_subset(original: Any, decoded: Any, path: str = "$") -> None:
    """Everything in `original` survives decoding: no key the models do not know, no value changed."""
    if isinstance(original, dict):
        assert isinstance(decoded, dict), path
        for key, value in original.items():
            assert key in decoded, f"{path}.{key} is not a field of the Grafana 11.6 models"
            assert_subset(value, decoded[key], f"{path}.{key}")
    elif isinstance(original, list):
        assert isinstance(decoded, list) and len(decoded) == len(original), path
        for i, (a, b) in enumerate(zip(original, decoded, strict=True)):
            assert_subset(a, b, f"{path}[{i}]")
    else:
        assert original == decoded, f"{path}: {original!r} became {decoded!r}"


def datasource_refs(node: Any, path: str = "$") -> list[tuple[str, Any]]:
    """Every `datasource` reference anywhere in the dashboard."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource":
                found.append((f"{path}.{key}", value))
            found += datasource_refs(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += datasource_refs(item, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("uid", PROMETHEUS_UIDS)
def test_json_round_trips_through_the_models(uid):
    data = load(uid)
    dash = model.Dashboard.from_json(data)
    decoded = json.loads(json.dumps(dash, cls=JSONEncoder))
    assert_subset(data, decoded)
    for panel in dash.panels or []:
        if isinstance(panel, model.RowPanel):
            continue
        assert not isinstance(panel.options, dict), f"{panel.title}: options of {panel.type_val} not recognised"
        assert panel.targets and all(isinstance(t, prometheus.Dataquery) for t in panel.targets), panel.title


@pytest.mark.parametrize("uid", UIDS)
def test_dashboard_metadata(uid):
    dash = model.Dashboard.from_json(load(uid))
    assert dash.uid == uid and dash.title and dash.title.startswith("Airdrops / ")
    assert dash.description and len(dash.description) > 40
    assert dash.tags == ["airdrops"]
    assert dash.refresh and dash.time is not None and dash.time.to == "now"
    assert dash.editable is False, "generated dashboards are edited in Python, not in the UI"


@pytest.mark.parametrize("uid", UIDS)
def test_variables(uid):
    variables = {v.name: v for v in model.Dashboard.from_json(load(uid)).templating.list_val or []}
    assert list(variables) == ["datasource", *LABEL_VARIABLES]
    ds = variables["datasource"]
    assert ds.type_val == model.VariableType.DATASOURCE and ds.query == "prometheus"
    for name in LABEL_VARIABLES:
        var = variables[name]
        assert var.type_val == model.VariableType.QUERY
        assert isinstance(var.query, str) and var.query.startswith("label_values(")
        assert var.multi and var.include_all and var.all_value == ".*"
        assert var.datasource is not None and var.datasource.to_json() == DATASOURCE


@pytest.mark.parametrize("uid", UIDS)
def test_links_reach_every_airdrops_dashboard(uid):
    (link,) = model.Dashboard.from_json(load(uid)).links or []
    assert link.type_val == model.DashboardLinkType.DASHBOARDS
    assert link.tags == ["airdrops"] and link.include_vars and link.keep_time
    tagged = {other for other in UIDS if set(link.tags) <= set(load(other)["tags"])}
    assert tagged == set(UIDS)


@pytest.mark.parametrize("uid", UIDS)
def test_firing_alerts_annotation(uid):
    annotations = model.Dashboard.from_json(load(uid)).annotations.list_val or []
    alerts = [a for a in annotations if a.expr and a.expr.startswith("ALERTS{")]
    assert len(alerts) == 1
    (a,) = alerts
    assert a.enable and a.datasource.to_json() == DATASOURCE
    assert 'alertstate="firing"' in (a.expr or "") and '$bot_id"' in (a.expr or "")


@pytest.mark.parametrize("uid", PROMETHEUS_UIDS)
def test_every_panel_has_a_unit_and_the_datasource_variable(uid):
    data = load(uid)
    drawn = list(panels(data))
    assert len(drawn) >= 8
    for panel in drawn:
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
        assert unit, f"{panel['title']} has no unit"
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]
    for path, ref in datasource_refs(data):
        assert ref == DATASOURCE, f"{path} names a datasource other than ${{datasource}}: {ref}"


@pytest.mark.parametrize("uid", PROMETHEUS_UIDS)
def test_panel_ids_are_unique_and_layout_fits_the_grid(uid):
    data = load(uid)
    ids = [p["id"] for p in data["panels"]]
    assert len(ids) == len(set(ids))
    for p in data["panels"]:
        pos = p["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24 and pos["h"] > 0, p["title"]
