"""Foundry's anvil as a throwaway local EVM node."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import requests
from web3 import Web3
from web3.types import RPCEndpoint

from airdrops.protocols.chain._cache import cache_root
from airdrops.protocols.errors import AnvilNotFound

ANVIL_PACKAGE = "@foundry-rs/anvil-linux-amd64"
ANVIL_VERSION = "1.7.1"


def find_anvil(*, install: bool = True) -> Path:
    """Path to the anvil binary: `$AIRDROPS_ANVIL`, else the npm-installed copy in the cache.

    With `install`, a missing binary is installed into `<cache>/anvil` with npm.
    """
    env = os.environ.get("AIRDROPS_ANVIL")
    if env:
        path = Path(env)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise AnvilNotFound(f"AIRDROPS_ANVIL={env} is not an executable file")
        return path
    prefix = cache_root() / "anvil"
    binary = prefix / "node_modules" / ANVIL_PACKAGE / "bin" / "anvil"
    if binary.is_file():
        return binary
    if not install:
        raise AnvilNotFound(f"anvil not found at {binary}; set AIRDROPS_ANVIL or allow install")
    npm = shutil.which("npm")
    if npm is None:
        raise AnvilNotFound(
            "anvil is not installed and npm is missing: install Node.js and npm "
            "(Debian: apt-get install npm), or point AIRDROPS_ANVIL at an anvil binary"
        )
    prefix.mkdir(parents=True, exist_ok=True)
    spec = f"{ANVIL_PACKAGE}@{ANVIL_VERSION}"
    result = subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", spec],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not binary.is_file():
        raise AnvilNotFound(f"npm install {spec} failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    return binary


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LocalNode:
    """An anvil node on a free loopback port, for the life of a `with` block.

        with LocalNode(chain_id=31337) as node:
            w3 = make_web3(node.url)
            print(w3.eth.block_number)

    Blocks are mined on every transaction unless `block_time` (seconds) is given.
    """

    def __init__(
        self,
        *,
        chain_id: int = 31337,
        block_time: float | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        binary: Path | None = None,
        startup_timeout: float = 20.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.chain_id = chain_id
        self.block_time = block_time
        self.host = host
        self.port = port
        self.binary = binary
        self.startup_timeout = startup_timeout
        self.extra_args = extra_args
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """HTTP JSON-RPC endpoint."""
        if self.port is None:
            raise RuntimeError("node not started")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> LocalNode:
        """Start anvil and wait until it answers `eth_chainId`."""
        if self.running:
            return self
        binary = self.binary or find_anvil()
        if self.port is None:
            self.port = _free_port(self.host)
        args = [str(binary), "--host", self.host, "--port", str(self.port), "--silent"]
        args += ["--chain-id", str(self.chain_id)]
        if self.block_time is not None:
            args += ["--block-time", str(self.block_time)]
        args += list(self.extra_args)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the node; stop() closes it
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self._stderr)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"anvil exited with {self._process.returncode}: {self._read_stderr()}")
            try:
                answer = requests.post(self.url, json=payload, timeout=1.0).json()
                if int(answer["result"], 16) == self.chain_id:
                    return
            except (requests.RequestException, ValueError, KeyError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"anvil did not answer eth_chainId within {self.startup_timeout} s")

    def _read_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()[-500:]

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate anvil, killing it if it does not exit within `timeout` seconds."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> LocalNode:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def increase_time(w3: Web3, seconds: int) -> None:
    """Move the node's clock forward; takes effect on the next mined block."""
    w3.manager.request_blocking(RPCEndpoint("evm_increaseTime"), [seconds])


def mine(w3: Web3, blocks: int = 1) -> None:
    """Mine `blocks` empty blocks now."""
    for _ in range(blocks):
        w3.manager.request_blocking(RPCEndpoint("evm_mine"), [])


def set_balance(w3: Web3, address: str, wei: int) -> None:
    """Set an account's native balance (anvil cheat code)."""
    w3.manager.request_blocking(RPCEndpoint("anvil_setBalance"), [address, hex(wei)])
