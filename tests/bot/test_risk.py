from __future__ import annotations

from datetime import UTC, datetime

from airdrops.monitoring.testing import CapturedEvents, CapturedMetrics
from airdrops.risk_management import RULES, Decision, RiskLimits, RiskManager
from airdrops.scheduler import VirtualClock

START = datetime(2025, 1, 1, tzinfo=UTC)
CHECKS = "airdrops.risk.checks"


def manager(**limits: object) -> tuple[RiskManager, VirtualClock]:
    clock = VirtualClock(START)
    base: dict[str, object] = {
        "max_exposure_per_protocol_usd": 1_000.0,
        "max_exposure_per_wallet_usd": 800.0,
        "max_drawdown": 0.1,
        "max_gas_price_gwei": 50.0,
        "max_daily_gas_usd": 100.0,
    }
    return RiskManager(RiskLimits(**{**base, **limits}), clock=clock), clock  # type: ignore[arg-type]


def test_every_rule_is_checked_each_round(capmetrics: CapturedMetrics) -> None:
    risk, _ = manager()
    assert risk.evaluate() == []
    for rule in RULES:
        assert capmetrics.value(CHECKS, rule=rule, outcome="pass") == 1
    assert capmetrics.value("airdrops.risk.drawdown.limit") == 0.1
    assert capmetrics.value("airdrops.risk.kill_switch") == 0


def test_protocol_exposure_breach(capmetrics: CapturedMetrics, capevents: CapturedEvents) -> None:
    risk, _ = manager()
    risk.set_exposure("aave", "0xa", 600)
    risk.set_exposure("aave", "0xb", 600)
    risk.set_exposure("morpho", "0xa", 100)

    assert risk.evaluate() == ["max_exposure_per_protocol"]

    assert capmetrics.value(CHECKS, rule="max_exposure_per_protocol", outcome="breach") == 1
    assert capmetrics.value("airdrops.risk.breaches", rule="max_exposure_per_protocol", protocol="aave") == 1
    assert capmetrics.value("airdrops.risk.exposure", protocol="aave") == 1_200
    assert capmetrics.value("airdrops.risk.exposure.limit", protocol="aave") == 1_000
    assert capmetrics.value("airdrops.risk.exposure", protocol="morpho") == 100
    [event] = capevents.of_type("risk_breach")
    assert (event["rule"], event["protocol"], event["value"], event["limit"], event["severity"]) == (
        "max_exposure_per_protocol",
        "aave",
        "1200.00",
        "1000.00",
        "warning",
    )
    assert event["ts"] == "2025-01-01T00:00:00.000Z"  # the injected clock's time


def test_wallet_exposure_breach_names_the_wallet(capevents: CapturedEvents) -> None:
    risk, _ = manager()
    risk.set_positions({("aave", "0xa"): 500, ("morpho", "0xa"): 400, ("aave", "0xb"): 100})
    assert risk.evaluate() == ["max_exposure_per_wallet"]
    [event] = capevents.of_type("risk_breach")
    assert event["wallet"] == "0xa" and event["value"] == "900.00"


def test_breaches_repeat_while_the_limit_is_exceeded(capmetrics: CapturedMetrics) -> None:
    risk, _ = manager()
    risk.observe_gas_price("ethereum", 80)
    risk.evaluate()
    risk.evaluate()
    risk.observe_gas_price("ethereum", 20)
    risk.evaluate()
    assert capmetrics.value(CHECKS, rule="max_gas_price", outcome="breach") == 2
    assert capmetrics.value(CHECKS, rule="max_gas_price", outcome="pass") == 1
    assert risk.breaches == 2


def test_drawdown_breach_trips_the_kill_switch_until_reset(
    capmetrics: CapturedMetrics, capevents: CapturedEvents
) -> None:
    risk, _ = manager()
    risk.update_portfolio(10_000)
    risk.update_portfolio(8_900)  # 11% below the peak

    assert risk.evaluate() == ["max_drawdown"]
    assert risk.kill_switch
    assert capmetrics.value("airdrops.risk.kill_switch") == 1
    assert abs(capmetrics.value("airdrops.risk.drawdown") - 0.11) < 1e-9
    [event] = capevents.of_type("risk_breach")
    assert (event["severity"], event["action_taken"], event["value"]) == ("critical", "kill_switch", "0.1100")

    assert risk.allows("swap", "uniswap", "0xa", 10) == Decision(False, "kill_switch")
    assert risk.allows("claim", "morpho", "0xa", 0).reason == "kill_switch"
    assert risk.allows("withdraw", "aave", "0xa", 500)  # pulling capital out stays allowed

    risk.update_portfolio(10_000)  # recovered: still tripped, only an explicit reset re-arms
    risk.evaluate()
    assert risk.kill_switch and not risk.allows("swap", "uniswap", "0xa", 10)

    risk.reset()
    assert not risk.kill_switch
    assert capmetrics.value("airdrops.risk.kill_switch") == 0
    assert risk.allows("swap", "uniswap", "0xa", 10)


def test_reset_rebases_the_peak_so_the_same_loss_does_not_trip_again() -> None:
    risk, _ = manager()
    risk.update_portfolio(10_000)
    risk.update_portfolio(8_000)
    risk.evaluate()
    risk.reset()
    assert risk.drawdown == 0
    assert risk.evaluate() == []
    assert not risk.kill_switch


def test_manual_trip(capmetrics: CapturedMetrics) -> None:
    risk, _ = manager()
    risk.trip("operator says stop")
    assert risk.kill_reason == "operator says stop"
    assert not risk.allows("bridge", "stargate", "0xa", 5)
    risk.evaluate()  # no drawdown breach: the switch stays as the operator left it
    assert capmetrics.value("airdrops.risk.kill_switch") == 1


def test_allows_checks_exposure_gas_price_and_daily_gas() -> None:
    risk, clock = manager(chain_gas_price_gwei={"arbitrum": 0.1})
    risk.set_exposure("aave", "0xa", 700)
    assert risk.allows("lend", "aave", "0xb", 300)
    assert risk.allows("lend", "aave", "0xb", 301).reason == "max_exposure_per_protocol"
    assert risk.allows("lend", "morpho", "0xa", 101).reason == "max_exposure_per_wallet"
    assert risk.allows("swap", "aave", "0xa", 5_000)  # swaps do not add exposure

    risk.observe_gas_price("arbitrum", 0.2)
    assert risk.allows("swap", "camelot", "0xa", 10, chain="arbitrum").reason == "max_gas_price"
    assert risk.allows("swap", "uniswap", "0xa", 10, chain="ethereum", gas_price_gwei=40)
    assert risk.allows("swap", "uniswap", "0xa", 10, chain="ethereum", gas_price_gwei=51).reason == "max_gas_price"

    risk.record_gas(90)
    assert risk.allows("swap", "uniswap", "0xa", 10)
    risk.record_gas(10)
    assert risk.allows("swap", "uniswap", "0xa", 10).reason == "max_daily_gas_spend"
    clock.advance(86_400)  # a new UTC day, a new budget
    assert risk.gas_spent_today() == 0
    assert risk.allows("swap", "uniswap", "0xa", 10)
