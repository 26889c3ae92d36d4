"""One anvil node and one deployed world for the whole protocols test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airdrops.protocols import LocalNode, World, deploy_world, make_web3

SEED = 42
N_WALLETS = 8


@pytest.fixture(scope="session")
def node() -> Iterator[LocalNode]:
    with LocalNode(chain_id=31337) as running:
        yield running


@pytest.fixture(scope="session")
def world(node: LocalNode) -> World:
    return deploy_world(make_web3(node.url), n_wallets=N_WALLETS, seed=SEED)
