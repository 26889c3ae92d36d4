"""The error-budget panel counts what the SLO rules count: the same failure and total series with the
same matchers (besides the dashboard's variables and the rules' job), and the same budgets."""

from __future__ import annotations

import re

import pytest

from airdrops.dashboards.queries import slo_budget_left
from airdrops.rules.config import DEFAULT
from airdrops.rules.slo import slos
from tests.dashboards.grafana import expand, matchers, selectors

#: Matchers that differ on purpose: the rules select the bots' job, the dashboard its variables.
SCOPE = {"job", "bot_id", "chain", "protocol"}


def _series(expr: str) -> list[tuple[str, frozenset[tuple[str, str]]]]:
    return [
        (sel.name, frozenset((k, v) for k, v in matchers(sel).items() if k not in SCOPE)) for sel in selectors(expr)
    ]


#: A site's settings file: other objectives and expected outcomes reach the panel as they reach the rules.
SITE = DEFAULT.with_overrides(
    {"claim_success_objective": 0.95, "rpc_availability_objective": 0.9, "expected_claim_reasons": ["kill_switch"]}
)


@pytest.mark.parametrize("cfg", [DEFAULT, SITE], ids=["defaults", "site settings"])
def test_the_budget_panel_reads_each_slos_failures_and_total_with_its_budget(cfg):
    panels = slo_budget_left(cfg)
    assert len(panels) == len(slos(cfg))
    for query, slo in zip(panels, slos(cfg), strict=True):
        panel = set(_series(expand(query.expr)))
        rules = set(_series(slo.failures)) | set(_series(slo.total))
        assert panel == rules, (slo.title, panel ^ rules)
        assert float(re.search(r"\) / ([\d.e-]+)$", query.expr).group(1)) == round(slo.error_budget, 10)
        assert slo.title in query.legend
