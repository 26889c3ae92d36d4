"""Capital allocation: how much capital each protocol gets, and keeping positions on plan.

Strategy: score-weighted allocation with per-protocol caps and a cash reserve.

1. Score each candidate protocol by expected value per dollar:
   `score = expected_value_usd / capital_required_usd`, where the expected value is the bot's
   estimate of the airdrop (plus any yield) over the planning horizon. Protocols scoring at or
   below `min_score` (default 0) get nothing.
2. Keep `reserve_ratio` of the total capital as cash (gas, opportunities, withdrawals); the
   rest is investable.
3. Split the investable capital in proportion to the scores ("water filling"): a protocol's
   share is capped by the risk limit (`RiskLimits.exposure_limit(protocol)` times `cap_ratio`:
   0.95 in `Allocator`, for headroom; 1 in `make_plan`) and by its own `max_usd`; what a capped
   protocol cannot take is re-split among the others by score. What no protocol can take stays
   in the reserve.
4. A protocol whose share is below its `capital_required_usd` would earn nothing: the weakest
   such protocol is dropped and the split is redone, until every share is worth holding.
5. Drift = the fraction of the total capital that must move to reach the plan (half the sum of
   absolute deviations, reserve included). When it exceeds `drift_threshold`, `rebalance()`
   withdraws from over-weight protocols first, then deposits into under-weight ones, skipping
   moves smaller than `min_move_usd` (not worth the gas).

Worked example (`reserve_ratio=0.1`, cap 4,000 USD per protocol): 10,000 USD over protocols
scoring 0.5, 0.3 and 0.2 leaves 9,000 investable, split 4,500 / 2,700 / 1,800; the first is capped
at 4,000 and its extra 500 is re-split 3:2, giving 4,000 / 3,000 / 2,000 and a 1,000 reserve.

    from airdrops.capital_allocation import Allocator, Opportunity

    alloc = Allocator(limits, reserve_ratio=0.1, drift_threshold=0.05)
    plan = alloc.plan(total_usd, [Opportunity("morpho", 900, 2_000, chain="base"), ...])
    alloc.rebalance(plan, current_positions, execute=send_move)  # send_move(move) -> USD moved

Telemetry: `airdrops.capital.target` / `.allocated` / `.idle` (`protocol="reserve"` for the
unassigned cash) / `.efficiency`, rebalancing rounds through `monitoring.track_rebalance()`, and
`allocation` events for each plan entry and each executed move.
"""

from airdrops.capital_allocation.allocator import Allocator, Executor, RebalanceResult
from airdrops.capital_allocation.strategy import Move, Opportunity, Plan, make_plan, water_fill

__all__ = ["Allocator", "Executor", "Move", "Opportunity", "Plan", "RebalanceResult", "make_plan", "water_fill"]
