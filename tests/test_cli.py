"""The `airdrops` command line, run as a user would."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from airdrops.monitoring import catalog

from .servers import free_port

ROOT = Path(__file__).resolve().parents[1]
AIRDROPS = str(Path(sys.executable).parent / "airdrops")


def run(*args: str, cwd: Path = ROOT) -> str:
    out = subprocess.run([AIRDROPS, *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_metrics_catalog_json_and_md():
    rows = json.loads(run("metrics", "catalog", "--format", "json"))
    assert [r["name"] for r in rows] == [m.name for m in catalog.METRICS]
    assert run("metrics", "catalog", "--format", "md") == (ROOT / "docs/metrics.md").read_text()


def test_events_schema_json():
    schema = json.loads(run("events", "schema", "--format", "json"))
    assert set(schema["types"]) == {"transaction", "claim", "allocation", "risk_breach", "portfolio_snapshot", "price"}


def test_history_mode_is_deterministic_for_a_seed(tmp_path):
    contents = []
    for name in ("a", "b"):
        run("bot", "run", "--simulate-days", "3", "--wallets", "3", "--seed", "5", "--events-dir", str(tmp_path / name))
        records = [json.loads(line) for f in sorted((tmp_path / name).glob("*.jsonl")) for line in f.open()]
        contents.append([{k: v for k, v in r.items() if k != "event_id"} for r in records])
    assert len(contents[0]) > 100
    assert contents[0] == contents[1]
    assert {r["type"] for r in contents[0]} >= {"transaction", "claim", "price", "portfolio_snapshot", "allocation"}
    days = {r["ts"][:10] for r in contents[0]}
    assert len(days) >= 3 and all(d.startswith("2025-01") for d in days)  # virtual time, not today


@pytest.mark.integration
def test_live_bot_as_a_service_runs_until_sigterm_and_flushes(tmp_path):
    """`--duration 0` is how the airdrops_bot role runs it: until systemd's SIGTERM, then a clean exit."""
    port = free_port()
    args = [
        "bot",
        "run",
        "--duration",
        "0",
        "--wallets",
        "2",
        "--metrics-port",
        str(port),
        "--events-dir",
        str(tmp_path),
    ]
    proc = subprocess.Popen(
        [AIRDROPS, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _claims_or_txs(port):
            assert proc.poll() is None, proc.communicate()[0]
            time.sleep(1)
        assert _claims_or_txs(port), "the bot never sent a transaction"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "Live run" in out  # the summary table: it stopped through the clean path
    events = [json.loads(line) for f in tmp_path.glob("*.jsonl") for line in f.open()]
    assert any(e["type"] == "transaction" for e in events)


def _claims_or_txs(port: int) -> bool:
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except requests.RequestException:
        return False
    return any(line.startswith("airdrops_protocol_tx_total{") for line in text.splitlines())


def test_the_command_is_assembled_from_every_layer_without_importing_heavy_libraries():
    """`airdrops --help` lists each layer's commands, and the root imported neither Polars, DuckDB, web3 nor
    the dashboard SDK to get there."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from airdrops.cli.main import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "heavy = ('polars', 'duckdb', 'psycopg', 'web3', 'grafana_foundation_sdk', 'jinja2')\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "print(result.output)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded, help_text = out.split("\n", 1)
    assert loaded == "[]"
    for command in ("bot", "etl", "warehouse", "prices", "report", "rules", "alerting", "dashboards", "demo", "docs"):
        assert f" {command} " in help_text, command


def test_the_analytics_package_exports_every_name_it_lists():
    import airdrops.analytics as analytics

    assert set(analytics._MODULES) == set(analytics.__all__)
    assert [name for name in analytics.__all__ if not hasattr(analytics, name)] == []


def test_a_bot_whose_rpc_is_down_retries_then_says_so_in_one_line(tmp_path):
    out = subprocess.run(
        [AIRDROPS, "bot", "run", "--rpc-url", "http://127.0.0.1:1/v2/SECRETKEY123", "--duration", "5",
         "--metrics-port", str(free_port()), "--events-dir", str(tmp_path / "events")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert out.returncode == 1 and "Traceback" not in out.stderr + out.stdout
    assert out.stderr.count("retry") == 4 and "SECRETKEY123" not in out.stderr + out.stdout
    [error] = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert "RPC at http://127.0.0.1:1/v2/REDACTED unavailable" in error


def test_version_prints_both_distributions_and_exits_zero():
    from importlib import metadata

    out = subprocess.run([AIRDROPS, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    want = (
        f"airdrops {metadata.version('airdrops-stack')} (airdrops-monitoring {metadata.version('airdrops-monitoring')})"
    )
    assert out.stdout.strip() == want
