"""Money-weighted (XIRR) and time-weighted (TWR) returns, as spreadsheets define them.

>>> from datetime import date
>>> round(xirr([(date(2023, 1, 1), -1000), (date(2024, 1, 1), 1100)]), 10)
0.1
>>> round(twr([(date(2024, 1, 1), 100), (date(2024, 1, 2), 110), (date(2024, 1, 3), 121)]), 10)
0.21
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from datetime import date, datetime

#: Day count of spreadsheet XIRR: actual days over 365.
DAYS_PER_YEAR = 365.0
#: Convergence: the last step (Newton) or the bracket (bisection), relative to the rate when above 1.
TOLERANCE = 1e-10
MAX_NEWTON_STEPS = 50
MAX_BISECTION_STEPS = 300
#: The lowest rate tried: just above -100 % (where the discount factor is undefined).
LOWEST_RATE = -1.0 + 1e-9
#: Upper end of the search for a sign change of NPV (a return of 10^9 % a year).
HIGHEST_RATE = 1e7

Day = date | datetime


class XirrError(ValueError):
    """XIRR has no answer for these cash flows (no sign change, or no root found)."""


def _day(d: Day) -> date:
    return d.date() if isinstance(d, datetime) else d


def _years(flows: list[tuple[date, float]]) -> list[tuple[float, float]]:
    start = min(d for d, _ in flows)
    return [((d - start).days / DAYS_PER_YEAR, a) for d, a in flows]


def xnpv(rate: float, cashflows: Iterable[tuple[Day, float]]) -> float:
    """Net present value at `rate` a year, discounted to the earliest date (spreadsheet XNPV)."""
    flows = [(_day(d), float(a)) for d, a in cashflows]
    return _npv(_years(flows), rate)


def xirr(cashflows: Iterable[tuple[Day, float]], guess: float = 0.1) -> float:
    """The annual rate r with sum(a_i / (1 + r) ** ((d_i - d_0) / 365)) == 0, as spreadsheet XIRR.

    `cashflows` are `(date, amount)` pairs in any order: negative amounts are money put in,
    positive ones money taken out (or the final value). `d_0` is the earliest date. Newton's
    method from `guess`; when it does not converge, bisection over a bracket where NPV changes
    sign. Raises `XirrError` when the flows are all of one sign or no rate makes NPV zero.

        >>> from datetime import date
        >>> xirr([(date(2024, 1, 1), -100.0), (date(2024, 6, 1), -5.0)])
        Traceback (most recent call last):
          ...
        airdrops.analytics.returns.XirrError: XIRR needs at least one negative and one positive cash flow
    """
    flows = [(_day(d), float(a)) for d, a in cashflows]
    if not all(math.isfinite(a) for _, a in flows):
        raise XirrError("XIRR cash flows must be finite numbers")
    if not any(a < 0 for _, a in flows) or not any(a > 0 for _, a in flows):
        raise XirrError("XIRR needs at least one negative and one positive cash flow")
    times = _years(flows)
    if all(t == 0 for t, a in times if a != 0):
        raise XirrError("XIRR needs cash flows on at least two different dates")
    rate = _newton(times, guess)
    if rate is None:
        rate = _bisection(times)
    return rate


def _discount(t: float, rate: float) -> float:
    """`(1 + rate) ** -t`, clamped instead of overflowing near -100 % or at huge rates."""
    return math.exp(min(-t * math.log1p(rate), 700.0))


def _npv(times: list[tuple[float, float]], rate: float) -> float:
    return sum(a * _discount(t, rate) for t, a in times)


def _dnpv(times: list[tuple[float, float]], rate: float) -> float:
    return sum(-t * a * _discount(t, rate) / (1.0 + rate) for t, a in times)


def _newton(times: list[tuple[float, float]], guess: float) -> float | None:
    rate = guess
    for _ in range(MAX_NEWTON_STEPS):
        value, slope = _npv(times, rate), _dnpv(times, rate)
        if not math.isfinite(value):
            return None
        if value == 0:
            return rate
        if slope == 0 or not math.isfinite(slope):
            return None
        step = value / slope
        rate -= step
        if rate <= -1.0 or not math.isfinite(rate):
            return None  # left the domain: let bisection find the root
        if abs(step) <= TOLERANCE * max(1.0, abs(rate)):
            return rate
    return None


def _bisection(times: list[tuple[float, float]]) -> float:
    """Scan upwards from just above -100 % for a sign change of NPV, then bisect it."""
    lo = LOWEST_RATE
    # Near -100 % the latest flows dominate: NPV has the sign of the latest non-zero net flow.
    by_time: dict[float, float] = {}
    for t, a in times:
        by_time[t] = by_time.get(t, 0.0) + a
    f_lo = next(math.copysign(math.inf, a) for t, a in sorted(by_time.items(), reverse=True) if a != 0)
    hi = 0.0
    while True:
        f_hi = _npv(times, hi)
        if f_hi == 0:
            return hi
        if (f_lo < 0) != (f_hi < 0):
            break
        if hi >= HIGHEST_RATE:
            raise XirrError("XIRR found no rate between -100 % and 10^9 % a year that makes NPV zero")
        lo, f_lo = hi, f_hi
        hi = hi * 2.0 + 1.0
    for _ in range(MAX_BISECTION_STEPS):
        mid = (lo + hi) / 2.0
        f_mid = _npv(times, mid)
        if math.isnan(f_mid):
            f_mid = f_lo  # still too close to -100 % to evaluate: the root lies above
        if f_mid == 0 or (hi - lo) <= TOLERANCE * max(1.0, abs(mid)):
            return mid
        if (f_lo < 0) != (f_mid < 0):
            hi = mid
        else:
            lo, f_lo = mid, f_mid
    return (lo + hi) / 2.0


def twr(values: Iterable[tuple[Day, float]], flows: Iterable[tuple[Day, float]] = ()) -> float:
    """Time-weighted return: sub-period returns chain-linked around external flows.

    `values` are `(date, value)` valuations, taken after that day's flows; `flows` are
    `(date, amount)` external flows, positive when money comes in. Each flow belongs to the first
    valuation on or after its date, and the sub-period return between valuations i-1 and i is
    `(V_i - F_i) / V_{i-1} - 1`: the value before the flow over the value at the start. The result
    is `prod(1 + r_i) - 1`, cumulative (not annualized). Flows on or before the first valuation
    are already in it; a flow after the last valuation is an error.

        >>> from datetime import date
        >>> d = [date(2024, 1, i) for i in (1, 2, 3)]
        >>> round(twr([(d[0], 100), (d[1], 160), (d[2], 176)], [(d[1], 50)]), 10)  # 1.10 * 1.10 - 1
        0.21
    """
    points = sorted((_day(d), float(v)) for d, v in values)
    if len(points) < 2:
        raise ValueError("TWR needs at least two valuations")
    if len({d for d, _ in points}) != len(points):
        raise ValueError("TWR needs one valuation per date")
    pending = sorted((_day(d), float(a)) for d, a in flows)
    if pending and pending[-1][0] > points[-1][0]:
        raise ValueError(f"a flow on {pending[-1][0]} comes after the last valuation on {points[-1][0]}")
    pending = [(d, a) for d, a in pending if d > points[0][0]]
    growth = 1.0
    for (_, start), (day, end) in itertools.pairwise(points):
        flow = sum(a for d, a in pending if d <= day)
        pending = [(d, a) for d, a in pending if d > day]
        before_flow = end - flow
        if start == 0:
            if before_flow != 0:
                raise ValueError(f"TWR is undefined on {day}: the value grew from 0 without a flow")
            continue  # nothing invested in this sub-period: it does not count
        growth *= before_flow / start
    return growth - 1.0


def annualize(total_return: float, days: float) -> float:
    """`(1 + total_return) ** (365 / days) - 1`, comparable with XIRR; `days` must be positive."""
    if days <= 0:
        raise ValueError("annualizing needs a positive number of days")
    return float((1.0 + total_return) ** (DAYS_PER_YEAR / days) - 1.0)
