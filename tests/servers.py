"""Real servers for integration tests, started as child processes on free loopback ports."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise RuntimeError(f"{binary} is not installed; `make test` installs it (Debian package)")
    return path


@contextmanager
def prometheus(
    workdir: Path, targets: list[str], scrape_interval: str = "1s", rule_files: list[str] | None = None
) -> Iterator[str]:
    """A real Prometheus scraping `targets` (host:port); yields its base URL."""
    binary = require("prometheus")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    rules = "".join(f"\n  - {r}" for r in rule_files or [])
    config = workdir / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {scrape_interval}\n  evaluation_interval: {scrape_interval}\n"
        f"rule_files:{rules or ' []'}\n"
        "scrape_configs:\n  - job_name: airdrops-bot\n    static_configs:\n"
        f"      - targets: {targets!r}\n".replace("'", '"')
    )
    log = open(workdir / "prometheus.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=10y",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/-/ready", proc=proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def query(base: str, promql: str) -> list[dict[str, Any]]:
    r = requests.get(f"{base}/api/v1/query", params={"query": promql}, timeout=10)
    r.raise_for_status()
    return list(r.json()["data"]["result"])


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)
