"""`airdrops warehouse migrate`, `airdrops etl run` and `airdrops report`, as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

AIRDROPS = str(Path(sys.executable).parent / "airdrops")


def run(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([AIRDROPS, *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    if ok:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def test_history_to_warehouse_to_report(tmp_path):
    run("bot", "run", "--simulate-days", "3", "--wallets", "3", "--events-dir", "events", cwd=tmp_path)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert "applied 1" in run("warehouse", "migrate", "--warehouse", url, cwd=tmp_path).stdout
    assert "up to date" in run("warehouse", "migrate", "--warehouse", url, cwd=tmp_path).stdout
    lines = sum(len(f.read_text().splitlines()) for f in (tmp_path / "events").glob("*.jsonl"))
    first = run("etl", "run", "--warehouse", url, "--events-dir", "events", cwd=tmp_path).stdout
    assert f"│ events │ succeeded │ {lines:>9} │ {lines:>6} │" in first, first
    again = run("etl", "run", "--warehouse", url, "--events-dir", "events", cwd=tmp_path).stdout
    assert "│ events │ succeeded │         0 │      0 │" in again, again
    out = run("report", "--out", "rep", "--warehouse", url, cwd=tmp_path).stdout
    assert (tmp_path / "rep/index.html").exists() and "report:" in out


def test_bad_warehouse_url_is_refused_clearly(tmp_path):
    out = run("etl", "run", "--warehouse", "mysql://x", cwd=tmp_path, ok=False)
    assert out.returncode == 2 and "bad warehouse URL" in out.stdout


def test_every_runs_on_a_schedule_and_serves_the_etl_metrics(tmp_path):
    import re
    import time

    import requests

    from airdrops.services import free_port

    (tmp_path / "events").mkdir()
    port = free_port()
    proc = subprocess.Popen(
        [
            AIRDROPS,
            "etl",
            "run",
            "--warehouse",
            f"duckdb:///{tmp_path / 'w.duckdb'}",
            "--events-dir",
            "events",
            "--every",
            "1s",
            "--metrics-port",
            str(port),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, runs = time.monotonic() + 60, 0.0
        while time.monotonic() < deadline and runs < 2:
            time.sleep(0.5)
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except requests.RequestException:
                continue
            match = re.search(r'airdrops_etl_runs_total\{[^}]*outcome="success"[^}]*stream="events"\} (\S+)', text)
            runs = float(match.group(1)) if match else 0.0
        assert runs >= 2, "the collector did not run twice within 60 s"
    finally:
        proc.terminate()
        proc.wait(30)


def test_every_reads_durations_like_the_etl_configuration():
    """One duration grammar: `--every` takes what the ETL's YAML takes (`collectors.config.seconds`)."""
    import typer

    from airdrops.collectors.cli import parse_every
    from airdrops.collectors.config import seconds

    for text in ("30s", "5m", "1h30m", "2d", "90"):
        assert parse_every(text) == seconds(text)
    for bad in ("5x", "0s", "500ms", "0.5s", "m5"):
        with pytest.raises(typer.BadParameter):
            parse_every(bad)


def _one_line_error(out: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr and "──" not in out.stderr  # no (rich) traceback
    [error] = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert all(f in error for f in fragments), error


@pytest.mark.parametrize("command", [("warehouse", "migrate"), ("report", "--out", "rep"), ("etl", "run")])
def test_a_file_that_is_not_a_duckdb_warehouse_is_one_clear_line(tmp_path, command):
    (tmp_path / "w.duckdb").write_bytes(b"\0" * 4096 + b"not a database")
    out = run(*command, "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}", cwd=tmp_path, ok=False)
    _one_line_error(out, "refused the connection", "not a valid DuckDB database file")


@pytest.mark.integration
def test_a_server_that_says_no_is_not_retried_and_secrets_stay_masked(tmp_path, postgres_server):
    good = postgres_server.create_database()
    nobody = f"postgresql://nobody:hunter2@127.0.0.1:{postgres_server.port}/{good.rsplit('/', 1)[1]}"
    out = run("warehouse", "migrate", "--warehouse", nobody, cwd=tmp_path, ok=False)
    _one_line_error(out, "refused the connection", 'role "nobody" does not exist')
    assert "retry" not in out.stderr and "hunter2" not in out.stdout + out.stderr
    done = run("warehouse", "migrate", "--warehouse", f"{good}?password=hunter2", cwd=tmp_path)
    assert "applied" in done.stdout and "password=***" in done.stdout and "hunter2" not in done.stdout


@pytest.mark.integration
def test_an_unreachable_server_is_retried_then_one_clear_line(tmp_path):
    out = run("report", "--warehouse", "postgresql://etl:hunter2@127.0.0.1:1/airdrops", cwd=tmp_path, ok=False)
    _one_line_error(out, "unavailable after 5 attempts", "Connection refused")
    assert out.stderr.count("retry") == 4 and "hunter2" not in out.stderr


def test_a_settings_file_drives_the_metric_streams(tmp_path):
    """`etl run --config`: the file's Prometheus, headers and queries, with no --prometheus."""
    from airdrops.services import Prometheus
    from tests.servers import query, wait_for

    with Prometheus(tmp_path / "prom", targets=[], self_job="prometheus") as prom:
        wait_for(lambda: query(prom.url, "count_over_time(up[1m]) >= 3"), timeout=60)
        (tmp_path / "etl.yml").write_text(
            f"prometheus:\n  url: {prom.url}\n  headers: {{X-Scope-OrgID: airdrops}}\n"
            "backfill: 5m\nlag: 0s\nqueries:\n  - name: targets_up\n    expr: sum(up)\n    step: 1s\n"
        )
        (tmp_path / "events").mkdir()
        db = tmp_path / "w.duckdb"
        run(
            "etl",
            "run",
            "--config",
            "etl.yml",
            "--warehouse",
            f"duckdb:///{db}",
            "--events-dir",
            "events",
            cwd=tmp_path,
        )
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            "SELECT stream, status, rows_loaded FROM etl_runs WHERE stream LIKE 'prometheus:%'"
        ).fetchall()
    assert [(s, st) for s, st, _ in runs] == [("prometheus:targets_up", "succeeded")]
    assert runs[0][2] > 0


def test_a_wrong_settings_file_is_one_line(tmp_path):
    (tmp_path / "etl.yml").write_text("prometheus:\n  url: http://127.0.0.1:1\n  bearer: x\n")
    out = run("etl", "run", "--config", "etl.yml", "--warehouse", "duckdb:///w.duckdb", cwd=tmp_path, ok=False)
    assert out.returncode == 2
    assert "unknown keys bearer" in out.stderr and "Traceback" not in out.stderr
