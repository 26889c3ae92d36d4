"""A real Prometheus (Debian package `prometheus`) scraping given targets."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import requests

from airdrops.monitoring.vocabulary import BOT_JOB
from airdrops.services.process import Server, free_port, require


class Prometheus(Server):
    """Prometheus on a free loopback port with its data in `workdir`.

    with Prometheus(Path("tmp"), targets=["127.0.0.1:9464"]) as prom:
        query(prom.url, "up")
    """

    def __init__(
        self,
        workdir: Path,
        targets: list[str],
        *,
        scrape_interval: str = "1s",
        evaluation_interval: str | None = None,
        rule_files: list[str] | None = None,
        alertmanagers: list[str] | None = None,
        job: str = BOT_JOB,
        more_jobs: dict[str, list[str]] | None = None,
        self_job: str | None = None,
        remote_write: list[str] | None = None,
    ) -> None:
        """`more_jobs`: job name -> targets besides `job`'s; `self_job`: scrape this Prometheus too, as that job;
        `remote_write`: URLs to send every sample to (e.g. `VictoriaMetrics.write_url`)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        jobs = {job: targets, **(more_jobs or {})}
        if self_job:
            jobs[self_job] = [*jobs.get(self_job, []), f"127.0.0.1:{self.port}"]
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "prometheus.yml"
        self.config_path.write_text(
            render_config(
                jobs,
                scrape_interval,
                evaluation_interval or scrape_interval,
                rule_files or [],
                alertmanagers or [],
                remote_write or [],
            )
        )
        args = [
            require("prometheus", "prometheus"),
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=10y",
        ]
        super().__init__(args, workdir, f"{self.url}/-/ready", "prometheus")


def render_config(
    jobs: dict[str, list[str]],
    scrape_interval: str,
    evaluation_interval: str,
    rule_files: list[str],
    alertmanagers: list[str],
    remote_write: list[str] | None = None,
) -> str:
    lines = [
        "global:",
        f"  scrape_interval: {scrape_interval}",
        f"  evaluation_interval: {evaluation_interval}",
        f"rule_files: [{quoted(rule_files)}]",
    ]
    if alertmanagers:
        lines += [
            "alerting:",
            "  alertmanagers:",
            "    - static_configs:",
            f"        - targets: [{quoted(alertmanagers)}]",
        ]
    if remote_write:
        lines += ["remote_write:", *(f'  - url: "{url}"' for url in remote_write)]
    lines += ["scrape_configs:"]
    for job, targets in jobs.items():
        lines += [f"  - job_name: {job}", "    static_configs:", f"      - targets: [{quoted(targets)}]"]
    return "\n".join(lines) + "\n"


def backfill(openmetrics: Path, data_dir: Path) -> None:
    """Write OpenMetrics text into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`.

    Start Prometheus on `data_dir` afterwards; its `retention.time` (10y here) keeps old blocks.
    """
    subprocess.run(
        [require("promtool", "prometheus"), "tsdb", "create-blocks-from", "openmetrics", str(openmetrics),
         str(data_dir)],
        check=True, capture_output=True, cwd=openmetrics.parent,
    )  # fmt: skip


def quoted(items: list[str]) -> str:
    return ", ".join(f'"{i}"' for i in items)


def query(base_url: str, promql: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Instant query; the `result` list of the standard HTTP API."""
    r = requests.get(f"{base_url}/api/v1/query", params={"query": promql}, timeout=timeout)
    r.raise_for_status()
    body = r.json()
    if body.get("status") != "success":
        raise RuntimeError(f"Prometheus query failed: {body.get('error')}")
    return list(body["data"]["result"])


def scalar(base_url: str, promql: str) -> float:
    """The single value of an aggregating query, 0 when it returns nothing."""
    result = query(base_url, promql)
    return float(result[0]["value"][1]) if result else 0.0
