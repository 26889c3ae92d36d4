"""Shared fixtures of the ETL tests: a history log. The warehouses (`warehouse`, `duckdb_warehouse`,
`postgres_warehouse`) are tests/conftest.py's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def history_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real event log from the history mode (3 days, 5 wallets), written once per session. Copy it to modify."""
    out = tmp_path_factory.mktemp("history") / "events"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AIRDROPS_"))}
    subprocess.run(
        [sys.executable, "-m", "airdrops.cli.main", "bot", "run", "--simulate-days", "3", "--wallets", "5",
         "--seed", "11", "--events-dir", str(out)],
        check=True, capture_output=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert list(out.glob("*.jsonl")), "the history mode wrote no event file"
    return out


@pytest.fixture
def events_dir(history_log: Path, tmp_path: Path) -> Path:
    """A private copy of the history log."""
    return Path(shutil.copytree(history_log, tmp_path / "events"))
