import re
from decimal import Decimal

import pytest
from web3.logs import DISCARD

from airdrops.monitoring.testing import CapturedEvents, CapturedMetrics
from airdrops.protocols import (
    BridgeAdapter,
    ChainUnavailable,
    ClaimAdapter,
    LendAdapter,
    LocalNode,
    SwapAdapter,
    TxOutcome,
    World,
    deploy_world,
    make_web3,
)
from airdrops.protocols.adapters import REVERT_REASONS, revert_code
from airdrops.protocols.chain import derive_account
from airdrops.protocols.chain.compile import CONTRACTS_DIR
from airdrops.protocols.chain.transactions import Batch

pytestmark = pytest.mark.integration

# Wallets by role, so tests sharing the session world do not step on each other.
CLAIMER, SWAPPER, LENDER, BRIDGER = 0, 1, 2, 3


def assert_mined_fee(outcome: TxOutcome, world: World) -> None:
    assert outcome.tx_hash is not None
    receipt = world.w3.eth.get_transaction_receipt(outcome.tx_hash)
    assert receipt["status"] == int(outcome.success)
    assert outcome.gas_used == receipt["gasUsed"] > 21_000
    assert outcome.effective_gas_price_wei == receipt["effectiveGasPrice"] > 0
    assert outcome.fee_native == Decimal(outcome.gas_used * outcome.effective_gas_price_wei) / 10**18


def test_swap_follows_the_constant_product_formula(world: World) -> None:
    wallet = world.wallets[SWAPPER]
    pool = world.pool.functions
    reserve_in, reserve_out = pool.reserve0().call(), pool.reserve1().call()
    stable_before = world.stable.functions.balanceOf(wallet.address).call()
    amount_in = 250 * 10**6
    with_fee = amount_in * (10_000 - 30)
    expected_out = with_fee * reserve_out // (reserve_in * 10_000 + with_fee)

    outcome = SwapAdapter(world).execute(wallet, Decimal(250))

    assert outcome.success and outcome.error is None
    assert (outcome.token, outcome.amount) == ("AIR", Decimal(expected_out) / 10**18)
    assert world.token.functions.balanceOf(wallet.address).call() == expected_out
    assert world.stable.functions.balanceOf(wallet.address).call() == stable_before - amount_in
    assert pool.reserve0().call() * pool.reserve1().call() >= reserve_in * reserve_out
    assert_mined_fee(outcome, world)
    # what the wallet gave, and the 0.3 % the pool kept of it: 0.75 USDC
    assert (outcome.amount_in, outcome.token_in) == (Decimal(250), "USDC")
    assert (outcome.protocol_fee, outcome.protocol_fee_token) == (Decimal("0.75"), "USDC")


def test_fees_reach_the_metrics_and_the_event_valued_in_usd(
    world: World, capmetrics: CapturedMetrics, capevents: CapturedEvents
) -> None:
    wallet = world.wallets[SWAPPER]
    swap = SwapAdapter(world, native_usd=Decimal(3000), token_usd={"USDC": Decimal(1)}.get)
    outcome = swap.execute(wallet, Decimal(100))
    assert outcome.protocol_fee == Decimal("0.3")
    (event,) = capevents.of_type("transaction")
    assert (event["protocol_fee"], event["protocol_fee_token"], event["protocol_fee_usd"]) == ("0.3", "USDC", "0.3")
    assert (event["amount_in"], event["token_in"]) == ("100", "USDC")
    assert capmetrics.value("airdrops.protocol.fees", protocol="swap_pool", action="swap") == pytest.approx(0.3)


def test_lend_deposit_mints_shares_that_earn_the_index(world: World) -> None:
    wallet = world.wallets[LENDER]
    vault = world.vault.functions

    outcome = LendAdapter(world).execute(wallet, Decimal("1234.5"))

    assert outcome.success and (outcome.token, outcome.amount) == ("USDC", Decimal("1234.5"))
    assert vault.shares(wallet.address).call() == 1_234_500_000  # index is 1.0 at first
    assert_mined_fee(outcome, world)
    bump = Batch(world.w3, world.chain_id)
    bump.call(world.deployer, world.vault.functions.bump_index(100))  # +1%
    bump.wait()
    assert vault.assets_of(wallet.address).call() == 1_246_845_000


def test_bridge_lock_emits_the_event(world: World) -> None:
    wallet = world.wallets[BRIDGER]
    escrow_before = world.stable.functions.balanceOf(world.escrow.address).call()

    outcome = BridgeAdapter(world, dest_chain_id=10).execute(wallet, Decimal(75))

    # the escrow keeps 6 bps of the 75 USDC sent: 0.045 USDC; 74.955 goes across
    assert outcome.success and outcome.amount == Decimal("74.955")
    assert (outcome.protocol_fee, outcome.protocol_fee_token) == (Decimal("0.045"), "USDC")
    receipt = world.w3.eth.get_transaction_receipt(outcome.tx_hash)
    (event,) = world.escrow.events.Locked().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["sender"] == wallet.address
    assert event["args"]["token"] == world.stable.address
    assert event["args"]["dest_chain_id"] == 10
    assert (event["args"]["amount"], event["args"]["fee"]) == (74_955_000, 45_000)
    assert world.stable.functions.balanceOf(world.escrow.address).call() == escrow_before + 75 * 10**6


def test_eligible_claim_pays_once_then_fails_on_chain(world: World) -> None:
    wallet = world.wallets[CLAIMER]
    entitled = world.eligibility[wallet.address]
    claim = ClaimAdapter(world)

    first = claim.execute(wallet)
    second = claim.execute(wallet)

    assert first.success and (first.token, first.amount) == ("AIR", Decimal(entitled) / 10**18)
    assert world.token.functions.balanceOf(wallet.address).call() == entitled
    assert 40_000 < first.gas_used < 120_000
    assert_mined_fee(first, world)
    assert not second.success and second.error == "already_claimed"
    assert second.amount == 0
    assert_mined_fee(second, world)
    assert world.token.functions.balanceOf(wallet.address).call() == entitled


def test_ineligible_claim_reports_not_eligible(world: World) -> None:
    outcome = ClaimAdapter(world).execute(world.ineligible_wallets[0])

    assert not outcome.success and outcome.error == "not_eligible"
    assert_mined_fee(outcome, world)


def test_same_chain_bridge_and_oversized_swap_revert_with_their_reason(world: World) -> None:
    wallet = world.wallets[BRIDGER]

    same_chain = BridgeAdapter(world, dest_chain_id=world.chain_id).execute(wallet, Decimal(1))
    too_big = SwapAdapter(world).execute(wallet, Decimal(10**9))

    assert same_chain.error == "same_chain"
    assert too_big.error == "insufficient_balance" and too_big.token == "AIR"
    assert_mined_fee(same_chain, world)
    assert_mined_fee(too_big, world)


def test_wallet_without_gas_money_is_refused_by_the_node(world: World) -> None:
    broke = derive_account("no-eth", "wallet")

    outcome = ClaimAdapter(world).execute(broke)

    assert outcome == TxOutcome(
        tx_hash=None,
        success=False,
        gas_used=0,
        effective_gas_price_wei=0,
        fee_native=Decimal(0),
        amount=Decimal(0),
        token="AIR",
        error="insufficient_funds",
    )


def test_stopped_node_raises_chain_unavailable(capmetrics: CapturedMetrics) -> None:
    with LocalNode(chain_id=31338) as node:
        small = deploy_world(make_web3(node.url), n_wallets=2, seed="stopped")
        adapter = ClaimAdapter(small)

    with pytest.raises(ChainUnavailable):
        adapter.execute(small.wallets[0])

    assert capmetrics.value("airdrops.rpc.request.errors", provider="local", error_type="ChainUnavailable") == 1
    assert capmetrics.value("airdrops.protocol.tx", outcome="failure", error_type="ChainUnavailable") == 1


def test_every_contract_revert_reason_has_a_code() -> None:
    reasons = {
        match
        for path in CONTRACTS_DIR.glob("*.vy")
        for match in re.findall(r'^\s*assert .*, "([^"]+)"$', path.read_text(), re.MULTILINE)
    }

    assert reasons
    assert {revert_code(f"execution reverted: {r}") for r in reasons} <= REVERT_REASONS
    assert revert_code("execution reverted: something else") == "reverted"
    assert revert_code(None) == "reverted"


def test_each_call_is_recorded_through_the_sdk(
    world: World, capmetrics: CapturedMetrics, capevents: CapturedEvents
) -> None:
    wallet = world.ineligible_wallets[0]

    outcome = ClaimAdapter(world).execute(wallet)

    where = {"chain": "local", "protocol": "airdrop_distributor", "action": "claim"}
    assert capmetrics.value("airdrops.protocol.tx", **where, outcome="failure", error_type="not_eligible") == 1
    assert capmetrics.value("airdrops.protocol.gas.used", **where) == outcome.gas_used
    assert capmetrics.value("airdrops.claim.attempts", outcome="failure", reason="not_eligible") == 1
    (event,) = capevents.of_type("claim")
    assert (event["tx_hash"], event["reason"], event["wallet"]) == (outcome.tx_hash, "not_eligible", wallet.address)
    assert capmetrics.count("airdrops.rpc.request.duration", provider="local", method="eth_sendRawTransaction") == 1
    assert capmetrics.count("airdrops.rpc.request.duration", provider="local", outcome="success") >= 5
