"""The two distributions: airdrops-monitoring (the SDK alone, for bot hosts) and airdrops-stack.

Read from the wheelhouse `make wheelhouse` builds (and `make test` builds before the tests), the
very wheels the Ansible roles install.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = Path(os.environ.get("AIRDROPS_CACHE_DIR") or ROOT / ".cache") / "wheelhouse"


def _wheel(dist: str) -> Path:
    found = sorted(WHEELHOUSE.glob(f"{dist.replace('-', '_')}-*.whl"))
    if not found:
        pytest.skip(f"no {dist} wheel in {WHEELHOUSE}: run `make wheelhouse` (make test does)")
    return found[-1]


def _contents(wheel: Path) -> tuple[list[str], str, str]:
    """The package files of a wheel, its METADATA and its entry_points.txt."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = z.read(f"{info}/METADATA").decode()
        entry_points = z.read(f"{info}/entry_points.txt").decode() if f"{info}/entry_points.txt" in names else ""
    return [n for n in names if not n.startswith(info)], metadata, entry_points


def test_the_sdk_wheel_holds_the_sdk_alone() -> None:
    files, metadata, entry_points = _contents(_wheel("airdrops-monitoring"))
    assert "airdrops/monitoring/__init__.py" in files and "airdrops/monitoring/catalog.py" in files
    assert [f for f in files if not f.startswith("airdrops/monitoring/")] == []
    assert "console_scripts" not in entry_points  # no command that cannot run on a bot host
    assert "airdrops_monitoring = airdrops.monitoring.testing" in entry_points  # the pytest plugin
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    heavy = ("polars", "duckdb", "psycopg", "web3", "typer", "ansible")
    assert requires and not [r for r in requires if any(h in r for h in heavy)]


def test_the_stack_wheel_holds_the_rest_and_requires_the_sdk() -> None:
    files, metadata, entry_points = _contents(_wheel("airdrops-stack"))
    assert not [f for f in files if f.startswith("airdrops/monitoring/")]
    for package in ("bot", "collectors", "analytics", "rules", "dashboards", "cli", "demo", "services"):
        assert f"airdrops/{package}/__init__.py" in files, package
    assert "Requires-Dist: airdrops-monitoring==0.1.0" in metadata
    assert "airdrops = airdrops.cli.main:main" in entry_points


def _venv(path: Path, requirement: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = [str(path / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-index", "--find-links", str(WHEELHOUSE), requirement], check=True)
    return path / "bin"


@pytest.mark.slow
def test_each_wheel_installs_into_a_fresh_virtualenv_and_runs(tmp_path: Path) -> None:
    _wheel("airdrops-monitoring"), _wheel("airdrops-stack")
    sdk = _venv(tmp_path / "sdk", "airdrops-monitoring")
    code = (
        "import importlib.util\n"
        "from airdrops import monitoring\n"
        "handle = monitoring.configure('packaging-test', port=0, events_dir='')\n"
        "monitoring.metrics.etl_runs.add(1, stream='events', outcome='success')\n"
        "print(handle.metrics_url.startswith('http://127.0.0.1:'), importlib.util.find_spec('airdrops.collectors'))\n"
    )
    run = subprocess.run([str(sdk / "python"), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert run.stdout.split() == ["True", "None"]  # the SDK works, and nothing else came with it
    assert not (sdk / "airdrops").exists()

    stack = _venv(tmp_path / "stack", "airdrops-stack")
    helped = subprocess.run([str(stack / "airdrops"), "--help"], capture_output=True, text=True, check=True)
    assert "etl" in helped.stdout and "report" in helped.stdout
    for command in (["bot", "run"], ["etl", "run"], ["warehouse", "migrate"], ["report"]):  # no extra installed
        out = subprocess.run([str(stack / "airdrops"), *command, "--help"], capture_output=True, text=True)
        assert out.returncode == 0 and "Usage" in out.stdout, out.stderr
    listed = subprocess.run(
        [str(stack / "airdrops"), "metrics", "catalog", "--format", "json"], capture_output=True, text=True, check=True
    )
    assert '"airdrops.claim.attempts"' in listed.stdout
