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
import re
import subprocess
from pathlib import Path

import requests

from airdrops.services.process import Server, free_port, require

#: How many `vmctl prometheus` runs `import_prometheus_history` makes at most before it gives up; about 3 in
#: 10 runs of vmctl 1.79 here fall short of what they read, so ten all falling short means something else.
VMCTL_RUNS = 10


class VictoriaMetrics(Server):
    """A single-node VictoriaMetrics keeping everything (retention 100 years: backfilled history is old).

    `-search.latencyOffset=0s`: a test reads what was just written (the default hides the last 30 s,
    for samples still in flight from many agents). `-dedup.minScrapeInterval=1ms`: a sample sent twice
    (the same series at the same millisecond) is kept once, so `import_prometheus_history` can run vmctl
    again; samples at different milliseconds are all kept.
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
            # one sample per series and millisecond: a repeated vmctl run (import_prometheus_history) or
            # remote_write batch stores nothing twice
            "-dedup.minScrapeInterval=1ms",
            *(extra_args or []),
        ]
        super().__init__(args, workdir, f"{self.url}/health", "victoria-metrics")

    def flush(self) -> None:
        """Make everything received so far searchable (it is buffered for up to a second otherwise)."""
        requests.get(f"{self.url}/internal/force_flush", timeout=30).raise_for_status()

    def import_prometheus_history(self, data_dir: Path) -> str:
        """Copy the TSDB blocks of a stopped Prometheus (or a snapshot) in with `vmctl prometheus`; its output.

        vmctl 1.79 fails without a terminal (it sizes its progress bars), so it gets a pseudo-terminal.

        vmctl 1.79 can also end a run without sending the last series it read, and still say "Import
        finished!" and exit 0: its reader queues series in a buffered channel for the import workers, and
        `Importer.Close` (app/vmctl/vm/vm.go) closes the workers' stop channel without draining that queue,
        so each worker's `select` picks the stop or a queued series at random and whatever is still queued
        is dropped (up to 4 per `--vm-concurrency` worker; fixed upstream in 1.85 by draining the queue).
        The run's own counts show it: the snapshot's `samples` against the importer's `total samples`. A run
        that sent fewer than it read is run again, whole: the samples already sent arrive twice and the
        server's `-dedup.minScrapeInterval=1ms` keeps one of each; the first complete run ends it.
        """
        outputs = []
        for _ in range(VMCTL_RUNS):
            output = self._vmctl_prometheus(data_dir)
            outputs.append(output)
            read, sent = _vmctl_samples(output)
            if sent == read:
                self.flush()
                return "\n".join(outputs)
            if sent > read:
                raise RuntimeError(f"vmctl prometheus sent {sent} samples of {read} read: {output[-2000:]}")
        last = outputs[-1][-2000:]
        raise RuntimeError(f"vmctl prometheus sent fewer samples than it read in each of {VMCTL_RUNS} runs: {last}")

    def _vmctl_prometheus(self, data_dir: Path) -> str:
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
        return output


def _vmctl_samples(output: str) -> tuple[int, int]:
    """The samples a `vmctl prometheus` run read from the snapshot and the samples it sent (its stats)."""
    read = re.search(r"^\s*samples: (\d+);", output, re.MULTILINE)
    sent = re.search(r"^\s*total samples: (\d+);", output, re.MULTILINE)
    if read is None or sent is None:
        raise RuntimeError(f"vmctl prometheus printed no sample counts: {output[-2000:]}")
    return int(read.group(1)), int(sent.group(1))


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
