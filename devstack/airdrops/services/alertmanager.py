"""A real Alertmanager (Debian package `prometheus-alertmanager`) with a given configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from airdrops.services.process import Server, free_port, require


class Alertmanager(Server):
    """Alertmanager on a free loopback port, clustering off, data in `workdir`."""

    def __init__(self, workdir: Path, config_text: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "alertmanager.yml"
        config.write_text(config_text)
        args = [
            require("prometheus-alertmanager", "prometheus-alertmanager"),
            f"--config.file={config}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
        ]
        super().__init__(args, workdir, f"{self.url}/-/ready", "alertmanager")

    def alerts(self, **filters: str) -> list[dict[str, Any]]:
        """Alerts Alertmanager holds now (API v2), optionally filtered by label equality."""
        params = [("filter", f'{k}="{v}"') for k, v in filters.items()]
        r = requests.get(f"{self.url}/api/v2/alerts", params=params, timeout=10)
        r.raise_for_status()
        return list(r.json())
