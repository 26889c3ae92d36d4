import socket
from pathlib import Path

import pytest
from web3 import Web3

from airdrops.protocols import AnvilNotFound, ChainUnavailable, LocalNode, make_web3
from airdrops.protocols.chain import find_anvil, increase_time, mine

pytestmark = pytest.mark.integration

API_KEY = "k3yK3yk3yK3yk3yK3yk3yK3yk3yK3y12"


def test_anvil_from_env_must_be_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_binary = tmp_path / "anvil"
    not_a_binary.write_text("")
    monkeypatch.setenv("AIRDROPS_ANVIL", str(not_a_binary))

    with pytest.raises(AnvilNotFound, match="not an executable"):
        find_anvil()


def test_missing_anvil_without_npm_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRDROPS_ANVIL", raising=False)
    monkeypatch.setenv("AIRDROPS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(AnvilNotFound, match="npm is missing"):
        find_anvil()


def test_node_answers_with_its_chain_id_and_stops() -> None:
    node = LocalNode(chain_id=4242).start()
    try:
        assert make_web3(node.url).eth.chain_id == 4242
    finally:
        node.stop()

    assert not node.running
    with pytest.raises(ChainUnavailable):
        make_web3(node.url).eth.chain_id  # noqa: B018


def test_increase_time_moves_the_next_block(w3: Web3) -> None:
    before = w3.eth.get_block("latest")["timestamp"]

    increase_time(w3, 3600)
    mine(w3)

    assert w3.eth.get_block("latest")["timestamp"] >= before + 3600


def test_unreachable_rpc_error_hides_the_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    w3 = make_web3(f"http://127.0.0.1:{port}/v2/{API_KEY}", provider_name="alchemy")

    with pytest.raises(ChainUnavailable) as raised:
        w3.eth.block_number  # noqa: B018

    assert API_KEY not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert API_KEY not in str(w3.provider)


@pytest.fixture
def w3(node: LocalNode) -> Web3:
    return make_web3(node.url)
