"""`pip install airdrops-monitoring` (sdk/) gives a working SDK and nothing heavy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib.util, urllib.request
from airdrops import monitoring
from airdrops.monitoring import metrics
h = monitoring.configure("wheel-bot", port=0, events_dir="")
metrics.protocol_tx.add(1, chain="base", protocol="p", action="swap", outcome="success")
body = urllib.request.urlopen(h.metrics_url).read().decode()
assert 'airdrops_protocol_tx_total{action="swap",bot_id=' in body, body
missing = [m for m in ("web3", "polars", "duckdb", "psycopg", "ansible", "typer") if importlib.util.find_spec(m)]
print("heavy:", missing)
"""


def test_sdk_wheel_installs_and_works_without_extras(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT / "sdk")],
        check=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "dist").glob("airdrops_monitoring-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    py = tmp_path / "venv/bin/python"
    subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-c",
            str(ROOT / "constraints.txt"),
            str(wheel),
        ],
        check=True,
        timeout=600,
    )
    out = subprocess.run([str(py), "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "heavy: []" in out.stdout
