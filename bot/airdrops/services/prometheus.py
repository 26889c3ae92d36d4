"""A real Prometheus (Debian package `prometheus`) scraping given targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

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
        rule_files: list[str] | None = None,
        job: str = "airdrops-bot",
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        workdir.mkdir(parents=True, exist_ok=True)
        rules = "".join(f"\n  - {r}" for r in rule_files or []) or " []"
        target_list = ", ".join(f'"{t}"' for t in targets)
        config.write_text(
            f"global:\n  scrape_interval: {scrape_interval}\n  evaluation_interval: {scrape_interval}\n"
            f"rule_files:{rules}\n"
            f"scrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: [{target_list}]\n"
        )
        args = [
            require("prometheus", "prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=10y",
        ]
        super().__init__(args, workdir, f"{self.url}/-/ready", "prometheus")


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
