"""The cuttable proxy makes a real RPC outage between the bot and its node; the SDK counts it."""

from __future__ import annotations

import pytest

from airdrops.protocols import ChainUnavailable, LocalNode, make_web3
from airdrops.services.outage import CuttableProxy

pytestmark = pytest.mark.integration


def test_cut_and_restore(capmetrics):
    with LocalNode() as node:
        host, port = node.url.removeprefix("http://").split(":")
        with CuttableProxy(host, int(port)) as proxy:
            w3 = make_web3(proxy.url, provider_name="flaky")
            assert w3.eth.chain_id == 31337
            proxy.cut()
            with pytest.raises(ChainUnavailable):
                w3.eth.get_block_number()
            proxy.restore()
            assert w3.eth.get_block_number() >= 0
    assert capmetrics.value("airdrops.rpc.request.errors", provider="flaky") == 1
    assert capmetrics.count("airdrops.rpc.request.duration", provider="flaky", outcome="success") >= 2
