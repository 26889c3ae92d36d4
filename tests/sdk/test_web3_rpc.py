"""`instrument_web3`: JSON-RPC calls over async HTTP (aiohttp) and WebSocket, against a real EVM (anvil)."""

from __future__ import annotations

import asyncio

import pytest

from airdrops import monitoring

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def node():
    from airdrops.protocols.chain.anvil import LocalNode

    with LocalNode(chain_id=31337) as running:
        yield running


async def _use(w3) -> int:
    await w3.eth.chain_id
    block = await w3.eth.block_number
    with pytest.raises(Exception, match=r"decode|rlp|RLP"):  # a JSON-RPC error answer: web3 raises Web3RPCError
        await w3.eth.send_raw_transaction("0x00")
    return block


def test_async_http_calls_are_timed_by_method(node, capmetrics):
    from web3 import AsyncHTTPProvider, AsyncWeb3

    w3 = monitoring.instrument_web3(AsyncWeb3(AsyncHTTPProvider(node.url)))
    assert monitoring.instrument_web3(w3) is w3  # twice: still one timing per call
    asyncio.run(_use(w3))
    assert capmetrics.count("airdrops.rpc.request.duration", method="eth_blockNumber", provider="127.0.0.1",
                            outcome="success") == 1  # fmt: skip
    assert capmetrics.value("airdrops.rpc.request.errors", method="eth_sendRawTransaction", error_type="rpc_error") == 1


def test_websocket_calls_are_timed_under_the_given_label(node, capmetrics):
    from web3 import AsyncWeb3, WebSocketProvider

    async def run() -> None:
        async with AsyncWeb3(WebSocketProvider(node.url.replace("http://", "ws://"))) as w3:
            monitoring.instrument_web3(w3, provider="local-ws")
            await _use(w3)

    asyncio.run(run())
    assert capmetrics.count("airdrops.rpc.request.duration", method="eth_blockNumber", provider="local-ws") == 1
    assert capmetrics.value("airdrops.rpc.request.errors", provider="local-ws", error_type="rpc_error") == 1


def test_sync_http_calls_are_timed_too(node, capmetrics):
    from web3 import HTTPProvider, Web3

    w3 = monitoring.instrument_web3(Web3(HTTPProvider(node.url)))
    assert w3.eth.chain_id == 31337
    assert capmetrics.count("airdrops.rpc.request.duration", method="eth_chainId", provider="127.0.0.1") == 1


def test_web3s_debug_log_never_shows_the_key(node, capmetrics, caplog):
    import logging

    from web3 import AsyncHTTPProvider, AsyncWeb3

    caplog.set_level(logging.DEBUG)
    w3 = monitoring.instrument_web3(AsyncWeb3(AsyncHTTPProvider(f"{node.url}/?apikey=s3cretkey123")))
    assert asyncio.run(w3.eth.chain_id) == 31337
    assert "127.0.0.1" in caplog.text and "s3cretkey123" not in caplog.text
