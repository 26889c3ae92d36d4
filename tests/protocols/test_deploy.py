import pytest

from airdrops.protocols import LocalNode, World, deploy_world, make_web3
from airdrops.protocols.chain import derive_account

pytestmark = pytest.mark.integration

MAX_UINT256 = 2**256 - 1
SEED = 7


@pytest.fixture(scope="module")
def fresh(node: LocalNode) -> World:
    """A world of its own: the session world's balances move as adapter tests run."""
    return deploy_world(make_web3(node.url), n_wallets=5, seed=SEED)


def test_wallets_are_derived_from_the_seed(fresh: World) -> None:
    assert fresh.wallets[0].address == derive_account(SEED, "wallet-0").address
    assert derive_account(SEED + 1, "wallet-0").address != fresh.wallets[0].address
    assert len({w.address for w in fresh.wallets}) == len(fresh.wallets)


def test_wallets_are_funded_and_have_approved_the_protocols(fresh: World) -> None:
    stable = fresh.stable.functions

    assert stable.decimals().call() == 6
    for wallet in (w.address for w in fresh.wallets):
        assert 99 * 10**18 < fresh.w3.eth.get_balance(wallet) < 100 * 10**18  # minus approvals' gas
        assert stable.balanceOf(wallet).call() == 10_000 * 10**6
        for spender in (fresh.pool, fresh.vault, fresh.escrow):
            assert stable.allowance(wallet, spender.address).call() == MAX_UINT256


def test_some_wallets_are_eligible_and_some_are_not(fresh: World) -> None:
    distributor = fresh.distributor.functions

    assert fresh.wallets[0] in fresh.eligible_wallets
    assert fresh.wallets[-1] in fresh.ineligible_wallets
    for wallet in fresh.wallets:
        assert distributor.eligible(wallet.address).call() == fresh.eligibility[wallet.address]
    funded = fresh.token.functions.balanceOf(fresh.distributor.address).call()
    assert funded == sum(fresh.eligibility.values()) > 0


def test_pool_is_seeded(fresh: World) -> None:
    pool = fresh.pool.functions

    assert (pool.token0().call(), pool.token1().call()) == (fresh.stable.address, fresh.token.address)
    assert pool.reserve0().call() == 1_000_000 * 10**6
    assert pool.reserve1().call() == 2_000_000 * 10**18
