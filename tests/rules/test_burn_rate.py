"""The burn-rate alerts against numbers worked out by hand (Google SRE workbook, "Alerting on SLOs").

With a 30-day SLO period, burning `f` of the error budget within a window `w` means an error
ratio of `f * 30d / w` times the budget:
  2% in 1h   -> 0.02 * 720 / 1  = 14.4   (page)
  5% in 6h   -> 0.05 * 720 / 6  = 6      (page)
  10% in 1d  -> 0.10 * 30 / 1   = 3      (ticket)
  10% in 3d  -> 0.10 * 30 / 3   = 1      (ticket)
The error budget is 1 - objective: 99.5% -> 0.005, 95% -> 0.05. The promtool tests in
rules/tests/slo-test.yml feed series with these ratios (0.08 over 1h and 0.10 over 5m fires the
RPC page; 0.08 and 0.01 does not).
"""

from __future__ import annotations

import re

import pytest

from airdrops.rules.config import DEFAULT

# (alert, long, short, severity, for, threshold), every threshold computed by hand.
EXPECTED = [
    # RPC availability 99.5%: budget 1 - 0.995 = 0.005.
    ("AirdropsRpcAvailabilityBudgetBurn", "1h", "5m", "critical", "2m", 0.072),  # 14.4 x 0.005
    ("AirdropsRpcAvailabilityBudgetBurn", "6h", "30m", "critical", "15m", 0.03),  # 6 x 0.005
    ("AirdropsRpcAvailabilityBudgetBurn", "1d", "2h", "warning", "1h", 0.015),  # 3 x 0.005
    ("AirdropsRpcAvailabilityBudgetBurn", "3d", "6h", "warning", "3h", 0.005),  # 1 x 0.005
    # Claim success 95%: budget 1 - 0.95 = 0.05.
    ("AirdropsClaimSuccessBudgetBurn", "1h", "5m", "critical", "2m", 0.72),  # 14.4 x 0.05
    ("AirdropsClaimSuccessBudgetBurn", "6h", "30m", "critical", "15m", 0.3),  # 6 x 0.05
    ("AirdropsClaimSuccessBudgetBurn", "1d", "2h", "warning", "1h", 0.15),  # 3 x 0.05
    ("AirdropsClaimSuccessBudgetBurn", "3d", "6h", "warning", "3h", 0.05),  # 1 x 0.05
]
RATIO = {
    "AirdropsRpcAvailabilityBudgetBurn": "airdrops_rpc_errors",
    "AirdropsClaimSuccessBudgetBurn": "airdrops_claim_failures",
}
#: The minimum-traffic guard: events recorded over the long window, and the least that may page.
TRAFFIC = {
    "AirdropsRpcAvailabilityBudgetBurn": ("airdrops_rpc_requests", 200),
    "AirdropsClaimSuccessBudgetBurn": ("airdrops_claim_counted_attempts", 20),
}


def test_the_objectives_are_the_documented_ones():
    assert DEFAULT.rpc_availability_objective == 0.995
    assert DEFAULT.claim_success_objective == 0.95


def test_the_workbook_factors_follow_from_the_budget_spent_per_window():
    days = 30
    assert [(w.long, w.factor) for w in DEFAULT.burn_rate_windows] == [
        ("1h", pytest.approx(0.02 * days * 24 / 1)),
        ("6h", pytest.approx(0.05 * days * 24 / 6)),
        ("1d", pytest.approx(0.10 * days / 1)),
        ("3d", pytest.approx(0.10 * days / 3)),
    ]


@pytest.mark.parametrize(("alert", "long", "short", "severity", "for_", "threshold"), EXPECTED)
def test_burn_rate_rule(alert_rules, alert, long, short, severity, for_, threshold):
    (rule,) = [r for r in alert_rules if r["alert"] == alert and r["labels"].get("long") == long]
    assert rule["labels"] == {"severity": severity, "long": long, "short": short}
    assert rule["for"] == for_
    # Both windows compared with the same threshold, written as `(factor * budget)`.
    clauses = re.fullmatch(
        r"(\S+) > \(([\d.]+) \* ([\d.]+)\)\nand\n(\S+) > \(([\d.]+) \* ([\d.]+)\)\nand on \(bot_id\)\n(\S+) >= (\d+)",
        rule["expr"],
    )
    assert clauses, rule["expr"]
    long_ratio, f1, b1, short_ratio, f2, b2, traffic, minimum = clauses.groups()
    events, least = TRAFFIC[alert]
    assert (traffic, int(minimum)) == (f"bot_id:{events}:increase{long}", least)
    assert (f1, b1) == (f2, b2)
    assert float(f1) * float(b1) == pytest.approx(threshold, rel=1e-12)
    assert long_ratio == f"bot_id:{RATIO[alert]}:ratio_rate{long}"
    assert short_ratio == f"bot_id:{RATIO[alert]}:ratio_rate{short}"


def test_every_window_an_alert_reads_is_recorded(recording_rules):
    recorded = {r["record"] for r in recording_rules}
    for _, long, short, *_ in EXPECTED:
        for metric in RATIO.values():
            assert f"bot_id:{metric}:ratio_rate{long}" in recorded
            assert f"bot_id:{metric}:ratio_rate{short}" in recorded


def test_the_worked_example_crosses_exactly_one_threshold():
    """1h ratio 0.08 and 5m ratio 0.10 against 14.4 x 0.005 = 0.072: both above, so the page
    fires; with a 5m ratio of 0.01 the short window is below, so it does not (slo-test.yml)."""
    threshold = 14.4 * (1 - DEFAULT.rpc_availability_objective)
    assert threshold == pytest.approx(0.072)
    # The promtool series: 1,100 requests a minute; errors 86 a minute for 55 minutes then 110
    # (fires), or 95 then 11 (does not).
    fires_1h, fires_5m = (55 * 86 + 5 * 110) / (60 * 1100), (5 * 110) / (5 * 1100)
    quiet_1h, quiet_5m = (55 * 95 + 5 * 11) / (60 * 1100), (5 * 11) / (5 * 1100)
    assert (fires_1h, fires_5m, quiet_1h, quiet_5m) == pytest.approx((0.08, 0.10, 0.08, 0.01))
    assert fires_1h > threshold and fires_5m > threshold
    assert quiet_1h > threshold and not quiet_5m > threshold
