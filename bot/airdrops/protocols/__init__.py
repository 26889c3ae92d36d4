"""Protocol adapters of the reference bot: bridge, swap, lend and claim behind one interface.

from airdrops.protocols import ClaimAdapter, LocalNode, deploy_world, make_web3

with LocalNode() as node:
    world = deploy_world(make_web3(node.url), n_wallets=3, seed=7)
    outcome = ClaimAdapter(world).execute(world.wallets[0])
"""

from airdrops.protocols.adapters import (
    BridgeAdapter,
    ChainAdapter,
    ClaimAdapter,
    LendAdapter,
    SwapAdapter,
)
from airdrops.protocols.base import Action, ProtocolAdapter, TxOutcome
from airdrops.protocols.chain import LocalNode, World, deploy_world, make_web3
from airdrops.protocols.errors import AnvilNotFound, ChainUnavailable

__all__ = [
    "Action",
    "AnvilNotFound",
    "BridgeAdapter",
    "ChainAdapter",
    "ChainUnavailable",
    "ClaimAdapter",
    "LendAdapter",
    "LocalNode",
    "ProtocolAdapter",
    "SwapAdapter",
    "TxOutcome",
    "World",
    "deploy_world",
    "make_web3",
]
