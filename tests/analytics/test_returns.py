"""XIRR and TWR against spreadsheet examples and cases worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from airdrops.analytics import XirrError, annualize, twr, xirr, xnpv
from airdrops.analytics.returns import _newton, _years

# Microsoft's documented XIRR example: 0.373362535 (Excel stops at 1e-8 accuracy; the exact root
# is 0.37336253350...).
SPREADSHEET = [
    (date(2008, 1, 1), -10_000.0),
    (date(2008, 3, 1), 2_750.0),
    (date(2008, 10, 30), 4_250.0),
    (date(2009, 2, 15), 3_250.0),
    (date(2009, 4, 1), 2_750.0),
]


def test_xirr_matches_the_spreadsheet_example():
    assert xirr(SPREADSHEET) == pytest.approx(0.373362535, abs=1e-8)
    # and its definition: XNPV at that rate is zero
    assert xnpv(xirr(SPREADSHEET), SPREADSHEET) == pytest.approx(0.0, abs=1e-6)


def test_xirr_one_year_exactly():
    # 365 days: t = 1; 1100 / (1 + r) = 1000  ->  r = 0.1
    assert xirr([(date(2023, 1, 1), -1000), (date(2024, 1, 1), 1100)]) == pytest.approx(0.1, abs=1e-12)


def test_xirr_counts_actual_days_over_365():
    # 2024 is a leap year: 366 days, t = 366/365; 1.1 ** (365/366) - 1 = 0.0997136...
    r = xirr([(date(2024, 1, 1), -1000), (date(2025, 1, 1), 1100)])
    assert r == pytest.approx(1.1 ** (365 / 366) - 1, abs=1e-12)
    assert r == pytest.approx(0.0997136, abs=1e-7)


def test_xirr_several_flows_and_any_order():
    # -1000 now, +550 after 365 days, +605 after 730: at 10 %, 550/1.1 + 605/1.21 = 500 + 500 = 1000
    flows = [(date(2022, 1, 1), -1000), (date(2023, 1, 1), 550), (date(2024, 1, 1), 605)]
    assert xirr(flows) == pytest.approx(0.1, abs=1e-12)
    assert xirr(list(reversed(flows))) == pytest.approx(0.1, abs=1e-12)
    assert xirr(SPREADSHEET[::-1]) == pytest.approx(0.373362535, abs=1e-8)


def test_xirr_negative_rate_and_datetimes():
    # 1000 became 810 in two years (730 days): (1 + r) ** 2 = 0.81  ->  r = -0.1
    assert xirr([(datetime(2022, 1, 1, 12), -1000), (datetime(2024, 1, 1, 8), 810)]) == pytest.approx(-0.1, abs=1e-12)


@pytest.mark.parametrize("guess", [5.0, 50.0, 1e6])
def test_xirr_falls_back_to_bisection_when_newton_fails(guess):
    flows = [(d, float(a)) for d, a in SPREADSHEET]
    assert _newton(_years(flows), guess) is None, "this guess must defeat Newton's method"
    assert xirr(SPREADSHEET, guess=guess) == pytest.approx(0.373362535, abs=1e-8)


@pytest.mark.parametrize(
    "flows",
    [
        [(date(2024, 1, 1), -100.0), (date(2024, 6, 1), -5.0)],
        [(date(2024, 1, 1), 100.0), (date(2024, 6, 1), 5.0)],
        [(date(2024, 1, 1), 0.0), (date(2024, 6, 1), 0.0)],
        [],
    ],
)
def test_xirr_without_a_sign_change_says_so(flows):
    with pytest.raises(XirrError, match="at least one negative and one positive"):
        xirr(flows)


def test_xirr_errors_for_one_date_and_non_numbers():
    with pytest.raises(XirrError, match="two different dates"):
        xirr([(date(2024, 1, 1), -100.0), (date(2024, 1, 1), 110.0)])
    with pytest.raises(XirrError, match="finite"):
        xirr([(date(2024, 1, 1), -100.0), (date(2024, 2, 1), float("nan"))])


def test_twr_without_flows_is_the_value_ratio():
    # 100 -> 110 -> 121: 1.1 * 1.1 - 1 = 0.21
    d = [date(2024, 1, i) for i in (1, 2, 3)]
    assert twr([(d[0], 100), (d[1], 110), (d[2], 121)]) == pytest.approx(0.21, abs=1e-12)


def test_twr_chain_links_around_a_deposit():
    # 1000 -> 1100 (+10 %); +500 deposited on day 3, value 1650: (1650 - 500) / 1100 = 1.04545...;
    # then 1650 -> 1815 (+10 %). TWR = 1.1 * 1150/1100 * 1.1 - 1 = 1.265 - 1 = 0.265
    d = [date(2024, 1, i) for i in (1, 2, 3, 4)]
    values = [(d[0], 1000), (d[1], 1100), (d[2], 1650), (d[3], 1815)]
    assert twr(values, [(d[2], 500)]) == pytest.approx(0.265, abs=1e-12)
    assert twr(values) == pytest.approx(0.815, abs=1e-12), "without the flow the deposit looks like profit"


def test_twr_withdrawal():
    # 1000; 200 withdrawn on day 2, value 900: (900 + 200) / 1000 = 1.1; 900 -> 990: 1.1. TWR = 0.21
    d = [date(2024, 1, i) for i in (1, 2, 3)]
    assert twr([(d[0], 1000), (d[1], 900), (d[2], 990)], [(d[1], -200)]) == pytest.approx(0.21, abs=1e-12)


def test_twr_investopedia_example():
    # $1,000,000 on Jan 1; $1,162,484 on Aug 15 just before a $100,000 deposit; $1,192,328 on Dec 31.
    # HP1 = 1,162,484 / 1,000,000 - 1 = 0.162484; HP2 = 1,192,328 / 1,262,484 - 1 = -0.0555699
    # TWR = 1.162484 * 0.9444301 - 1 = 0.0978845 (Investopedia: 9.79 %)
    values = [(date(2023, 1, 1), 1_000_000), (date(2023, 8, 15), 1_262_484), (date(2023, 12, 31), 1_192_328)]
    r = twr(values, [(date(2023, 8, 15), 100_000)])
    assert r == pytest.approx(1.162484 * (1_192_328 / 1_262_484) - 1, abs=1e-12)
    assert round(r, 4) == 0.0979


def test_twr_flow_between_valuations_counts_on_the_next_one_and_early_flows_are_in_v0():
    # flow on Jan 2 (no valuation) counts on Jan 3: (1650 - 500) / 1000 = 1.15; the Dec 31 flow is in V0.
    values = [(date(2024, 1, 1), 1000), (date(2024, 1, 3), 1650)]
    assert twr(values, [(date(2024, 1, 2), 500), (date(2023, 12, 31), 999)]) == pytest.approx(0.15, abs=1e-12)


def test_twr_from_zero_ignores_the_empty_period():
    # nothing invested until the 1000 deposit on day 2; then 1000 -> 1100: TWR = 0.1
    d = [date(2024, 1, i) for i in (1, 2, 3)]
    assert twr([(d[0], 0), (d[1], 1000), (d[2], 1100)], [(d[1], 1000)]) == pytest.approx(0.1, abs=1e-12)


def test_twr_errors():
    d = [date(2024, 1, i) for i in (1, 2, 3)]
    with pytest.raises(ValueError, match="at least two valuations"):
        twr([(d[0], 100)])
    with pytest.raises(ValueError, match="after the last valuation"):
        twr([(d[0], 100), (d[1], 110)], [(d[2], 5)])
    with pytest.raises(ValueError, match="one valuation per date"):
        twr([(d[0], 100), (d[0], 110)])
    with pytest.raises(ValueError, match="grew from 0 without a flow"):
        twr([(d[0], 0), (d[1], 110)])


def test_annualize():
    # 21 % over two years (730 days) is 10 % a year
    assert annualize(0.21, 730) == pytest.approx(0.1, abs=1e-12)
    with pytest.raises(ValueError):
        annualize(0.1, 0)
