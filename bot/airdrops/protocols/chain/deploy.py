"""Deploy the bundled contracts and fund a deterministic set of wallets."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys.constants import SECPK1_N
from web3 import Web3
from web3.contract import Contract

from airdrops.protocols.chain.anvil import set_balance
from airdrops.protocols.chain.compile import CompiledContract, compile_all
from airdrops.protocols.chain.transactions import Batch

MAX_UINT256 = 2**256 - 1
TOKEN_DECIMALS = 18
STABLE_DECIMALS = 6
POOL_FEE_BPS = 30
#: The bridge escrow keeps 0.06 % of what is sent (a typical stablecoin bridge fee).
BRIDGE_FEE_BPS = 6
# The pool prices the airdrop token at 0.5 USDC.
POOL_STABLE = 1_000_000
POOL_TOKEN = 2_000_000
# USDC the vault holds beyond deposits, to pay the interest that bump_index simulates.
VAULT_RESERVE = 100_000
ELIGIBLE_SHARE = 0.7
ELIGIBILITY_BATCH = 256


@dataclass(frozen=True)
class World:
    """Contracts deployed on one chain and the wallets that farm them.

    with LocalNode() as node:
        world = deploy_world(make_web3(node.url), n_wallets=5, seed=1)
        wallet = world.eligible_wallets[0]
        world.token.functions.balanceOf(wallet.address).call()
    """

    w3: Web3
    chain: str
    chain_id: int
    deployer: LocalAccount
    wallets: tuple[LocalAccount, ...]
    token: Contract
    stable: Contract
    distributor: Contract
    pool: Contract
    vault: Contract
    escrow: Contract
    eligibility: dict[str, int] = field(default_factory=dict)
    """Wallet address -> claimable airdrop token, in base units (18 decimals)."""

    @property
    def eligible_wallets(self) -> list[LocalAccount]:
        return [w for w in self.wallets if self.eligibility.get(w.address, 0) > 0]

    @property
    def ineligible_wallets(self) -> list[LocalAccount]:
        return [w for w in self.wallets if self.eligibility.get(w.address, 0) == 0]


def derive_account(seed: int | str, label: str) -> LocalAccount:
    """A private key derived from `seed` and `label`: same inputs, same account."""
    counter = 0
    while True:
        key = Web3.keccak(text=f"airdrops:{seed}:{label}:{counter}")
        if 0 < int.from_bytes(key, "big") < SECPK1_N:
            account: LocalAccount = Account.from_key(key)
            return account
        counter += 1  # astronomically rare: the hash is not a valid secp256k1 key


def deploy_world(
    w3: Web3,
    n_wallets: int,
    seed: int | str,
    *,
    chain: str = "local",
    wallet_eth: Decimal = Decimal(100),
    wallet_stable: Decimal = Decimal(10_000),
    contracts: dict[str, CompiledContract] | None = None,
) -> World:
    """Deploy the contracts, fund `n_wallets` wallets and set airdrop eligibility.

    Needs an anvil node (it funds accounts with `anvil_setBalance`). Each wallet gets
    `wallet_eth` ETH and `wallet_stable` mock USDC, and has approved the pool, vault and
    escrow. About 70% of the wallets are eligible for the airdrop, chosen by `seed`; with two
    or more wallets, the first is always eligible and the last never is.
    """
    if n_wallets < 1:
        raise ValueError("n_wallets must be at least 1")
    compiled = contracts or compile_all()
    chain_id = w3.eth.chain_id
    deployer = derive_account(seed, "deployer")
    wallets = tuple(derive_account(seed, f"wallet-{i}") for i in range(n_wallets))
    set_balance(w3, deployer.address, 10_000 * 10**18)
    for wallet in wallets:
        set_balance(w3, wallet.address, int(wallet_eth * 10**18))

    batch = Batch(w3, chain_id)

    def deploy(name: str, *args: Any) -> Contract:
        factory = w3.eth.contract(abi=compiled[name].abi, bytecode=compiled[name].bytecode)
        batch.deploy(deployer, factory, *args)
        (receipt,) = batch.wait()
        return cast(Contract, w3.eth.contract(address=receipt["contractAddress"], abi=compiled[name].abi))

    token = deploy("AirdropToken", "Airdrop Token", "AIR", TOKEN_DECIMALS)
    stable = deploy("AirdropToken", "Mock USD Coin", "USDC", STABLE_DECIMALS)
    distributor = deploy("Distributor", token.address)
    pool = deploy("SwapPool", stable.address, token.address, POOL_FEE_BPS)
    vault = deploy("LendingVault", stable.address)
    escrow = deploy("BridgeEscrow", BRIDGE_FEE_BPS)

    eligibility = _eligibility(wallets, seed)
    one_token, one_stable = 10**TOKEN_DECIMALS, 10**STABLE_DECIMALS
    fn = token.functions
    batch.call(deployer, fn.mint(distributor.address, sum(eligibility.values())))
    batch.call(deployer, fn.mint(deployer.address, POOL_TOKEN * one_token))
    batch.call(deployer, fn.approve(pool.address, POOL_TOKEN * one_token))
    fn = stable.functions
    batch.call(deployer, fn.mint(deployer.address, POOL_STABLE * one_stable))
    batch.call(deployer, fn.approve(pool.address, POOL_STABLE * one_stable))
    batch.call(deployer, fn.mint(vault.address, VAULT_RESERVE * one_stable))
    batch.call(deployer, pool.functions.add_liquidity(POOL_STABLE * one_stable, POOL_TOKEN * one_token))
    for addresses, amounts in _chunks(eligibility):
        gas = 100_000 + 50_000 * len(addresses)
        batch.call(deployer, distributor.functions.set_eligibility(addresses, amounts), gas=gas)
    per_wallet = int(wallet_stable * one_stable)
    for wallet in wallets:
        batch.call(deployer, stable.functions.mint(wallet.address, per_wallet))
        for erc20, spender in ((stable, pool), (token, pool), (stable, vault), (stable, escrow), (token, escrow)):
            batch.call(wallet, erc20.functions.approve(spender.address, MAX_UINT256))
    batch.wait()

    return World(
        w3=w3,
        chain=chain,
        chain_id=chain_id,
        deployer=deployer,
        wallets=wallets,
        token=token,
        stable=stable,
        distributor=distributor,
        pool=pool,
        vault=vault,
        escrow=escrow,
        eligibility=eligibility,
    )


def _eligibility(wallets: tuple[LocalAccount, ...], seed: int | str) -> dict[str, int]:
    rng = random.Random(f"eligibility:{seed}")
    eligibility: dict[str, int] = {}
    last = len(wallets) - 1
    for i, wallet in enumerate(wallets):
        draw, amount = rng.random(), rng.randint(2, 40) * 50 * 10**TOKEN_DECIMALS
        eligible = i == 0 or (i != last and draw < ELIGIBLE_SHARE)
        eligibility[wallet.address] = amount if eligible else 0
    return eligibility


def _chunks(eligibility: dict[str, int]) -> Iterator[tuple[list[str], list[int]]]:
    items = [(address, amount) for address, amount in eligibility.items() if amount > 0]
    for start in range(0, len(items), ELIGIBILITY_BATCH):
        chunk = items[start : start + ELIGIBILITY_BATCH]
        yield [a for a, _ in chunk], [n for _, n in chunk]
