"""The chain underneath the reference bot: a local anvil node, compiled contracts, web3."""

from airdrops.protocols.chain.anvil import LocalNode, find_anvil, increase_time, mine, set_balance
from airdrops.protocols.chain.compile import CompiledContract, compile_all, compile_contract
from airdrops.protocols.chain.deploy import World, deploy_world, derive_account
from airdrops.protocols.chain.web3client import InstrumentedHTTPProvider, make_web3

__all__ = [
    "CompiledContract",
    "InstrumentedHTTPProvider",
    "LocalNode",
    "World",
    "compile_all",
    "compile_contract",
    "deploy_world",
    "derive_account",
    "find_anvil",
    "increase_time",
    "make_web3",
    "mine",
    "set_balance",
]
