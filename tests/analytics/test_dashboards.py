"""The analytics dashboards: committed JSON, Grafana 11.6 models, and every SQL query run on a seeded PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.analytics import DASHBOARDS
from airdrops.dashboards.build import build, render
from tests.analytics.grafana_sql import expand, quote
from tests.dashboards.grafana import ROOT, panels
from tests.dashboards.test_models import assert_subset

UIDS = [make().uid for make in DASHBOARDS]
DATASOURCE = {"type": "grafana-postgresql-datasource", "uid": "${datasource}"}
#: The range Grafana would send: the week of `cases` (1-4 March 2024).
START, END = datetime(2024, 2, 26, tzinfo=UTC), datetime(2024, 3, 5, tzinfo=UTC)
#: What the variables offer over `cases` ("All" selects each of them).
VALUES = {
    "bot_id": ["b1", "b2"],
    "chain": ["base", "polygon"],
    "protocol": ["aerodrome", "morpho", "quickswap", "uniswap"],
    "airdrop": ["aero-s1", "qs-s1"],
}


def load(uid: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "dashboards" / f"{uid}.json").read_text()))


def targets(dash: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{dash['uid']} / {p['title']}", t) for p in panels(dash) for t in p.get("targets", [])]


def test_uids():
    assert UIDS == ["airdrops-claim-success", "airdrops-roi", "airdrops-portfolio-value", "airdrops-ops-history"]


@pytest.mark.parametrize("make", DASHBOARDS, ids=UIDS)
def test_committed_json_has_not_drifted(make):
    dash = make()
    committed = ROOT / "dashboards" / f"{dash.uid}.json"
    assert committed.exists(), f"{committed} is missing: run `airdrops dashboards build`"
    assert committed.read_text() == render(dash), f"{committed.name} drifted: run `airdrops dashboards build`"


def test_build_writes_the_analytics_dashboards_too(tmp_path):
    names = {p.name for p in build(tmp_path)}
    assert {f"{uid}.json" for uid in UIDS} <= names


@pytest.mark.parametrize("uid", UIDS)
def test_json_round_trips_through_the_grafana_11_6_models(uid):
    register_default_plugins()
    data = load(uid)
    dash = model.Dashboard.from_json(data)
    assert_subset(data, json.loads(json.dumps(dash, cls=JSONEncoder)))
    assert dash.title and dash.title.startswith("Airdrops / ") and dash.description and dash.editable is False
    assert set(dash.tags or []) == {"airdrops", "analytics"}
    for panel in dash.panels or []:
        if not isinstance(panel, model.RowPanel):
            assert not isinstance(panel.options, dict), f"{panel.title}: options of {panel.type_val} not recognised"


@pytest.mark.parametrize("uid", UIDS)
def test_panels_use_the_postgres_datasource_variable_and_have_units(uid):
    data = load(uid)
    variables = data["templating"]["list"]
    assert variables[0]["name"] == "datasource" and variables[0]["query"] == "grafana-postgresql-datasource"
    for var in variables[1:]:
        assert var["type"] == "query" and var["multi"] and var["includeAll"] and var["datasource"] == DATASOURCE
    drawn = list(panels(data))
    assert len(drawn) >= 7
    for panel in drawn:
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit"), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE and target["rawQuery"] and target["editorMode"] == "code"
            assert target["format"] in ("table", "time_series")


def test_queries_read_views_only():
    tables = ["claims", "transactions", "allocations", "prices", "portfolio_snapshots", "risk_breaches"]
    for uid in UIDS:
        dash = load(uid)
        sqls = [t["rawSql"] for _, t in targets(dash)] + [v["query"] for v in dash["templating"]["list"][1:]]
        for sql in sqls:
            words = set(sql.replace("(", " ").replace(")", " ").replace(",", " ").split())
            assert not words & set(tables), f"{uid} reads a table: {sql}"


# --- against PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reader_url(postgres_url: str) -> str:
    """A login user with only `airdrops_reader`, as Grafana would connect."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS grafana_test")
        conn.execute("CREATE ROLE grafana_test LOGIN IN ROLE airdrops_reader")
    return postgres_url.replace("postgres@", "grafana_test@", 1)


def run(url: str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        cur = conn.execute(sql)
        return [c.name for c in cur.description or []], cur.fetchall()


@pytest.mark.integration
@pytest.mark.parametrize("uid", UIDS)
def test_every_query_returns_rows_on_a_seeded_postgres(reader_url, uid):
    failed, empty = [], []
    for where, target in targets(load(uid)):
        sql = expand(target["rawSql"], START, END, VALUES)
        assert "$" not in sql, f"{where}: unexpanded {sql}"
        try:
            columns, rows = run(reader_url, sql)
        except psycopg.Error as exc:
            failed.append(f"{where}: {exc}\n{sql}")
            continue
        if not rows or all(v is None for row in rows for v in row):
            empty.append(f"{where}: {sql}")
        if target["format"] == "time_series":
            assert columns[0] == "time", f"{where}: a time series starts with the time column"
    assert not failed, "queries PostgreSQL rejected:\n" + "\n".join(failed)
    assert not empty, "queries without rows:\n" + "\n".join(empty)


@pytest.mark.integration
def test_variables_offer_the_seeded_values(reader_url):
    for uid in UIDS:
        for var in load(uid)["templating"]["list"][1:]:
            _, rows = run(reader_url, var["query"])
            assert [r[0] for r in rows] == VALUES[var["name"]], (uid, var["name"])


def panel_sql(uid: str, title: str) -> str:
    (target,) = [t for where, t in targets(load(uid)) if where == f"{uid} / {title}"]
    return str(target["rawSql"])


@pytest.mark.integration
def test_panels_show_the_hand_worked_numbers(reader_url):
    def value(uid: str, title: str, **chosen: list[str]) -> Any:
        _, rows = run(reader_url, expand(panel_sql(uid, title), START, END, VALUES | chosen))
        return rows[0][0]

    # claims: 3 of 9 succeeded, 1 of the 6 failures an expected outcome (not eligible): 3 of 8 counted;
    # quickswap alone 1 of 5
    assert value("airdrops-claim-success", "Claim success rate") == pytest.approx(3 / 8)
    assert value("airdrops-claim-success", "Claim success rate", protocol=["quickswap"]) == pytest.approx(0.2)
    assert value("airdrops-claim-success", "Expected outcomes") == 1
    # the time filter applies: from 2 March on, (1 + 0 + 1) / (1 + 2 + 3) = 1/3
    since_2nd = datetime(2024, 3, 2, tzinfo=UTC)
    _, rows = run(reader_url, expand(panel_sql("airdrops-claim-success", "Claim success rate"), since_2nd, END, VALUES))
    assert rows[0][0] == pytest.approx(1 / 3)
    # ROI: gas 10 + 1 + 0.04 + 10 = 21.04 and the pools' fees 0.30 + 0.06; claimed 86 + 20 = 106 at claim
    # time; now realized 20 + unrealized 48 + 30 = 98, net 98 - 21.40 = 76.60
    assert float(value("airdrops-roi", "Gas and fees")) == pytest.approx(21.40)
    assert float(value("airdrops-roi", "Claimed value")) == pytest.approx(106.0)
    assert float(value("airdrops-roi", "Net")) == pytest.approx(76.60)
    assert value("airdrops-roi", "ROI") == pytest.approx(76.60 / 21.40)
    # quickswap alone: $0.04 of gas against $30 of value, an ROI of 749x that means nothing: n/a
    assert value("airdrops-roi", "ROI", protocol=["quickswap"]) is None
    # portfolio: last day in range 2205 + 605 (no carry-forward in SQL), return 2810 / 2500 - 1
    assert float(value("airdrops-portfolio-value", "Latest value")) == pytest.approx(2810.0)
    assert value("airdrops-portfolio-value", "Return over the range") == pytest.approx(0.124)


def test_quote_doubles_quotes():
    assert quote(["a", "o'brien"]) == "'a','o''brien'"
