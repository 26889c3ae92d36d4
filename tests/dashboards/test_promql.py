"""Every query parses once Grafana's variables are expanded, and names only catalogue metrics."""

from __future__ import annotations

import re

import pytest

from airdrops.monitoring import catalog
from tests.dashboards.grafana import (
    UIDS,
    allowed_names,
    expand,
    load,
    matchers,
    metric_names,
    regex_escape,
    selectors,
    targets,
    variable_selectors,
)

#: How Grafana formats multi-value variables for Prometheus: all, one value, several values.
VALUES = [".*", "it-bot-1", f"(it-bot-1|{regex_escape('bot.v2')}|swap_pool)"]


def every_expr(uid: str, *, variables: bool = True) -> list[tuple[str, str]]:
    """(where, PromQL) for the panels, the annotations and the variables' selectors of a dashboard."""
    data = load(uid)
    out = [(str(t), t.expr) for t in targets(data)]
    out += [(f"{uid} / annotation {a['name']}", a["expr"]) for a in data["annotations"]["list"] if "expr" in a]
    if variables:
        out += [(f"{uid} / variable {name}", sel) for name, sel in variable_selectors(data).items()]
    return out


def test_there_are_targets():
    assert len([t for uid in UIDS for t in targets(load(uid))]) >= 40


@pytest.mark.parametrize("uid", UIDS)
@pytest.mark.parametrize("value", VALUES)
def test_queries_parse_after_expansion(uid, value):
    for where, expr in every_expr(uid):
        expanded = expand(expr, value)
        assert "$" not in expanded, where
        try:
            selectors(expanded)
        except Exception as exc:  # promql_parser raises ValueError-like errors with the position
            pytest.fail(f"{where}: {exc}\n{expanded}")


@pytest.mark.parametrize("uid", UIDS)
def test_queries_name_only_catalogue_metrics_up_alerts_or_recording_rules(uid):
    allowed = allowed_names()
    for where, expr in every_expr(uid):
        for sel in selectors(expand(expr)):
            names = metric_names(sel)
            assert names, f"{where}: selector {sel} names no known metric"
            assert names <= allowed, f"{where}: {names - allowed} not in the catalogue nor recording rules"
            if not sel.name:
                assert matchers(sel)["__name__"].startswith("airdrops_"), where


@pytest.mark.parametrize("uid", UIDS)
def test_every_rate_uses_rate_interval_and_every_total_the_range(uid):
    for where, expr in every_expr(uid):
        for func, window in re.findall(r"\b(rate|irate|increase|\w+_over_time)\([^\[]*\[([^\]]+)\]", expr):
            if func in ("rate", "irate"):
                assert window == "$__rate_interval", f"{where}: {func} over {window}"
            elif func == "increase":
                assert window in ("$__rate_interval", "$__range"), f"{where}: increase over {window}"


@pytest.mark.parametrize("uid", UIDS)
def test_selectors_filter_on_the_variables_their_metric_carries(uid):
    names = catalog.prometheus_names()
    for where, expr in every_expr(uid, variables=False):
        for sel in selectors(expand(expr, "VALUE")):
            m = matchers(sel)
            if sel.name == "up":
                continue  # target health has no bot_id: the query joins it to the bot's series
            assert m.get("bot_id") == "VALUE", f"{where}: {sel} does not filter on $bot_id"
            spec = names.get(sel.name or "")
            if spec is None:
                continue
            for key in ("chain", "protocol"):
                assert (m.get(key) == "VALUE") == (key in spec.label_names), f"{where}: {sel} and ${key}"
