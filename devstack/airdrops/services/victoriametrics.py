"""VictoriaMetrics (single node, Debian's `victoria-metrics`) on a free loopback port, for the tests.

It speaks the Prometheus query API (the ETL reads it like Prometheus) and receives Prometheus'
remote_write at `/api/v1/write`. `import_prometheus_history` moves a Prometheus data directory into it
with `vmctl prometheus`, the path docs/operations.md gives for an existing Prometheus' history.

    with VictoriaMetrics(Path("tmp")) as vm:
        query(vm.url, "up")
"""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import requests

from airdrops.services.process import Server, free_port, require


class VictoriaMetrics(Server):
    """A single-node VictoriaMetrics keeping everything (retention 100 years: backfilled history is old).

    `-search.latencyOffset=0s`: a test reads what was just written (the default hides the last 30 s,
    for samples still in flight from many agents).
    """

    def __init__(self, workdir: Path, *, extra_args: list[str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.write_url = f"{self.url}/api/v1/write"
        args = [
            require("victoria-metrics", "victoria-metrics"),
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={workdir / 'data'}",
            "-retentionPeriod=100y",
            "-search.latencyOffset=0s",
            # no response cache: tests write history and query it at once, which VictoriaMetrics' cache
            # (meant for live data) may answer from a result computed before the last samples arrived
            "-search.disableCache",
            *(extra_args or []),
        ]
        super().__init__(args, workdir, f"{self.url}/health", "victoria-metrics")

    def flush(self) -> None:
        """Make everything received so far searchable (it is buffered for up to a second otherwise)."""
        requests.get(f"{self.url}/internal/force_flush", timeout=30).raise_for_status()

    def import_prometheus_history(self, data_dir: Path) -> str:
        """Copy the TSDB blocks of a stopped Prometheus (or a snapshot) in with `vmctl prometheus`; its output.

        vmctl 1.79 fails without a terminal (it sizes its progress bars), so it gets a pseudo-terminal.
        """
        args = [require("vmctl", "victoria-metrics"), "prometheus", "--prom-snapshot", str(data_dir),
                "--vm-addr", self.url, "-s", "--vm-disable-progress-bar"]  # fmt: skip
        leader, follower = pty.openpty()
        try:
            proc = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, close_fds=True)
            os.close(follower)
            output = _read_all(leader)
            code = proc.wait(600)
        finally:
            os.close(leader)
        if code != 0:
            raise RuntimeError(f"vmctl prometheus exited with {code}: {output[-2000:]}")
        self.flush()
        return output


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")
