from __future__ import annotations

import pytest

from airdrops.capital_allocation import Allocator, Move, Opportunity, Plan, make_plan, water_fill
from airdrops.monitoring.testing import CapturedEvents, CapturedMetrics
from airdrops.risk_management import RiskLimits

# Scores 0.5, 0.3 and 0.2: expected value per dollar of required capital.
ABC = [Opportunity("a", 500, 1_000, chain="base"), Opportunity("b", 300, 1_000), Opportunity("c", 200, 1_000)]


def test_worked_example_from_the_docstring() -> None:
    # 10,000 with a 10% reserve leaves 9,000: 4,500 / 2,700 / 1,800 by score; "a" is capped at 4,000
    # and its extra 500 is re-split 3:2 between "b" and "c".
    plan = make_plan(10_000, ABC, reserve_ratio=0.1, limits=RiskLimits(max_exposure_per_protocol_usd=4_000))
    assert plan.targets == {"a": 4_000.0, "b": 3_000.0, "c": 2_000.0}
    assert plan.reserve == 1_000.0
    assert plan.scores == {"a": 0.5, "b": 0.3, "c": 0.2}
    assert plan.chains == {"a": "base"}


def test_a_share_below_the_capital_required_is_dropped_and_redistributed() -> None:
    # Without a reserve: 5,000 / 3,000 / 2,000, but "c" needs 2,500 to earn anything, so it goes
    # and 10,000 is split 5:3 between "a" and "b".
    opportunities = [*ABC[:2], Opportunity("c", 500, 2_500)]
    plan = make_plan(10_000, opportunities, reserve_ratio=0)
    assert plan.targets == {"a": 6_250.0, "b": 3_750.0}


def test_what_no_protocol_can_take_stays_in_the_reserve() -> None:
    limits = RiskLimits(max_exposure_per_protocol_usd=1_000, protocol_exposure_usd={"b": 1_500})
    plan = make_plan(10_000, [*ABC[:2], Opportunity("worthless", 0, 1_000)], reserve_ratio=0.1, limits=limits)
    assert plan.targets == {"a": 1_000.0, "b": 1_500.0}
    assert plan.reserve == 7_500.0


def test_water_fill_caps_and_leftover() -> None:
    assert water_fill(100, {"x": 1, "y": 1, "z": 2}, {"z": 30}) == {"x": 35.0, "y": 35.0, "z": 30.0}
    assert water_fill(100, {"x": 1, "y": 1}, {"x": 10, "y": 20}) == {"x": 10.0, "y": 20.0}


PLAN = Plan(10_000, {"a": 4_000.0, "b": 3_000.0, "c": 2_000.0}, chains={"a": "base"})


def test_drift_is_the_share_of_capital_that_must_move() -> None:
    assert PLAN.drift({"a": 4_000, "b": 3_000, "c": 2_000}) == 0
    # b is 1,000 short, c 2,000 short, cash 3,000 over its 1,000 reserve: 6,000 / (2 * 10,000).
    assert PLAN.drift({"a": 4_000, "b": 2_000}) == pytest.approx(0.3)
    # a is 1,000 over and the reserve 1,000 short: 2,000 / 20,000.
    assert PLAN.drift({"a": 5_000, "b": 3_000, "c": 2_000}) == pytest.approx(0.1)
    # Capital in a protocol the plan dropped counts too.
    assert PLAN.drift({"a": 4_000, "b": 3_000, "c": 2_000, "old": 500}) == pytest.approx(0.05)


def test_moves_withdraw_first_and_skip_small_deviations() -> None:
    moves = PLAN.moves({"a": 4_005, "b": 3_400, "c": 1_000, "old": 300}, min_move_usd=10)
    assert moves == [
        Move("b", "withdraw", 400.0, 3_000.0),
        Move("old", "withdraw", 300.0, 0.0),
        Move("c", "deposit", 1_000.0, 2_000.0),
    ]


def test_plan_sets_targets_and_writes_plan_events(capmetrics: CapturedMetrics, capevents: CapturedEvents) -> None:
    alloc = Allocator(RiskLimits(max_exposure_per_protocol_usd=4_000), reserve_ratio=0.1, cap_ratio=1.0)
    alloc.plan(10_000, ABC)
    assert capmetrics.value("airdrops.capital.target", protocol="b") == 3_000
    events = capevents.of_type("allocation")
    assert [(e["protocol"], e["action"], e["amount_usd"]) for e in events] == [
        ("a", "plan", "4000.00"),
        ("b", "plan", "3000.00"),
        ("c", "plan", "2000.00"),
    ]
    assert events[0]["chain"] == "base"

    # A protocol that leaves the plan has its target set back to zero.
    alloc.plan(10_000, ABC[:2])
    assert capmetrics.value("airdrops.capital.target", protocol="c") == 0


def test_cap_ratio_keeps_headroom_below_the_risk_limit() -> None:
    alloc = Allocator(RiskLimits(max_exposure_per_protocol_usd=4_000), reserve_ratio=0.1)  # default 0.95
    assert alloc.plan(10_000, ABC).targets["a"] == 3_800.0


def test_small_drift_is_left_alone(capmetrics: CapturedMetrics) -> None:
    alloc = Allocator(drift_threshold=0.05)
    result = alloc.rebalance(PLAN, {"a": 4_000, "b": 2_800, "c": 2_000}, execute=pytest.fail)
    assert not result.rebalanced and result.drift == pytest.approx(0.02)
    assert capmetrics.series("airdrops.capital.rebalances") == []
    # The gauges still describe where the capital is.
    assert capmetrics.value("airdrops.capital.allocated", protocol="b") == 2_800
    assert capmetrics.value("airdrops.capital.idle", protocol="b") == 200
    assert capmetrics.value("airdrops.capital.idle", protocol="reserve") == 1_000
    assert capmetrics.value("airdrops.capital.efficiency") == pytest.approx(0.88)


def test_rebalance_executes_moves_and_records_them(capmetrics: CapturedMetrics, capevents: CapturedEvents) -> None:
    alloc = Allocator(drift_threshold=0.05)
    sent: list[Move] = []

    def execute(move: Move) -> float:
        sent.append(move)
        return move.amount_usd

    result = alloc.rebalance(PLAN, {"a": 5_000, "b": 1_000}, execute)

    assert [(m.action, m.protocol, m.amount_usd) for m in sent] == [
        ("withdraw", "a", 1_000.0),
        ("deposit", "b", 2_000.0),
        ("deposit", "c", 2_000.0),
    ]
    assert result.complete and result.positions == {"a": 4_000.0, "b": 3_000.0, "c": 2_000.0}
    assert result.executed == {"a": -1_000.0, "b": 2_000.0, "c": 2_000.0}
    assert capmetrics.value("airdrops.capital.rebalances", outcome="success") == 1
    assert capmetrics.value("airdrops.capital.allocated", protocol="c") == 2_000
    assert capmetrics.value("airdrops.capital.idle", protocol="reserve") == 1_000
    assert capmetrics.value("airdrops.capital.efficiency") == pytest.approx(0.9)
    events = [(e["protocol"], e["action"], e["amount_usd"], e["target_usd"]) for e in capevents.of_type("allocation")]
    assert events == [
        ("a", "withdraw", "1000.00", "4000.00"),
        ("b", "deposit", "2000.00", "3000.00"),
        ("c", "deposit", "2000.00", "2000.00"),
    ]


def test_an_incomplete_rebalance_is_a_failure(capmetrics: CapturedMetrics, capevents: CapturedEvents) -> None:
    alloc = Allocator()
    result = alloc.rebalance(PLAN, {}, execute=lambda move: move.amount_usd / 2)
    assert not result.complete
    assert result.positions == {"a": 2_000.0, "b": 1_500.0, "c": 1_000.0}
    assert capmetrics.value("airdrops.capital.rebalances", outcome="failure", error_type="incomplete") == 1
    assert capmetrics.value("airdrops.capital.idle", protocol="a") == 2_000
    assert [e["amount_usd"] for e in capevents.of_type("allocation")] == ["2000.00", "1500.00", "1000.00"]


def test_an_executor_error_fails_the_round_and_propagates(capmetrics: CapturedMetrics) -> None:
    def broken(move: Move) -> float:
        raise ConnectionError("rpc down")

    with pytest.raises(ConnectionError):
        Allocator().rebalance(PLAN, {}, broken)
    assert capmetrics.value("airdrops.capital.rebalances", outcome="failure", error_type="ConnectionError") == 1
