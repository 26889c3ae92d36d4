"""A damaged DuckDB file is found before the ETL writes to it, and named in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from airdrops.collectors.errors import EtlError
from airdrops.collectors.pipeline import run_events
from airdrops.collectors.warehouse import verify
from tests.collectors.cases import event, write

AIRDROPS = str(Path(sys.executable).parent / "airdrops")
HEADERS = 3 * 4096  # DuckDB's main header and its two database headers come before block 0


def _damage(path: Path, table: str) -> None:
    """Overwrite bytes inside a block that holds `table`'s rows, as a disk error would."""
    with duckdb.connect(str(path), read_only=True) as con:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        block = con.execute(f"SELECT min(block_id) FROM pragma_storage_info('{table}') WHERE block_id >= 0").fetchone()
    with open(path, "r+b") as f:
        f.seek(HEADERS + block[0] * block_size + 64)
        f.write(os.urandom(512))


def test_the_etl_refuses_a_damaged_file_and_check_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.duckdb"
    url = f"duckdb://{path}"
    write(tmp_path / "events" / "b-1-x-00000.jsonl", [event("price", token=f"T{i}") for i in range(50)])
    assert run_events(url, tmp_path / "events").loaded == 50
    out = subprocess.run([AIRDROPS, "warehouse", "check", "--warehouse", url], capture_output=True, text=True)
    assert out.returncode == 0 and "tables read back whole" in out.stdout

    _damage(path, "prices")
    monkeypatch.setattr(verify, "_VERIFIED", {})  # a new process, or a day later
    write(tmp_path / "events" / "b-1-x-00001.jsonl", [event("price")])
    with pytest.raises(EtlError, match="is damaged: table prices cannot be read"):
        run_events(url, tmp_path / "events")
    out = subprocess.run([AIRDROPS, "warehouse", "check", "--warehouse", url], capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: ") and "table prices cannot be read" in out.stderr


def test_check_finds_rollups_that_miss_rows_written_by_hand_and_rebuild_mends_them(tmp_path: Path) -> None:
    url = f"duckdb://{tmp_path / 'w.duckdb'}"
    write(tmp_path / "events" / "b-1-x-00000.jsonl", [event("claim"), event("transaction")])
    assert run_events(url, tmp_path / "events").loaded == 2
    check = [AIRDROPS, "warehouse", "check", "--warehouse", url]
    assert subprocess.run(check, capture_output=True, text=True).returncode == 0
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:  # around the ETL
        con.execute("INSERT INTO claims SELECT * REPLACE ('hand' AS event_id) FROM claims")
    out = subprocess.run(check, capture_output=True, text=True)
    assert out.returncode == 1 and "rollups differ from the events they count: claims_daily" in out.stderr

    rebuilt = subprocess.run([AIRDROPS, "warehouse", "rebuild-rollups", "--warehouse", url], capture_output=True)
    assert rebuilt.returncode == 0
    out = subprocess.run(check, capture_output=True, text=True)
    assert out.returncode == 0 and "rollups agree with the events" in out.stdout
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("SELECT sum(attempts) FROM claim_success_rate").fetchone() == (2,)


def test_check_and_rebuild_on_an_older_schema_ask_for_the_migration(tmp_path: Path) -> None:
    from airdrops.collectors.warehouse import migrate

    url = f"duckdb://{tmp_path / 'w.duckdb'}"
    migrate(url, upto=14)  # rollups without the outflows' prices
    for command in ("check", "rebuild-rollups"):
        out = subprocess.run([AIRDROPS, "warehouse", command, "--warehouse", url], capture_output=True, text=True)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert "needs `airdrops warehouse migrate` first" in out.stderr
