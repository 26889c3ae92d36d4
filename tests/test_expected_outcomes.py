"""A site's own expected claim outcomes: one list, and the rules, the dashboards, the warehouse's views and
the report count claims alike with it.

The rules and dashboards take it from the settings file (`expected_claim_reasons`), the ETL and the migrator
from `$AIRDROPS_EXPECTED_CLAIM_REASONS` / `--expected-claim-reasons`. A wrong list is one line and exit 2,
before anything is written. tests/integration/test_agreement.py checks the numbers of each layer on a real
scenario; the one-host scenario checks the roles pass one inventory setting to all three.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from airdrops.collectors.pipeline import run_events
from airdrops.collectors.warehouse import connect
from airdrops.monitoring import vocabulary as v
from airdrops.services.process import require
from tests.collectors.cases import event, write
from tests.servers import Warehouse

AIRDROPS = str(Path(sys.executable).parent / "airdrops")
#: A site where a wallet out of gas is an outcome of its funding policy, not a fault of the bot.
SITE = [*v.EXPECTED_CLAIM_REASONS, v.INSUFFICIENT_FUNDS]
MATCHER = re.compile(r'reason!~\\?"([^"\\]*)\\?"')


def airdrops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AIRDROPS, *args], capture_output=True, text=True, timeout=120, env=env)


def build_both(tmp_path: Path, settings: str) -> list[subprocess.CompletedProcess[str]]:
    (tmp_path / "site.yml").write_text(settings)
    return [
        airdrops(what, "build", "--config", str(tmp_path / "site.yml"), "--out", str(tmp_path / what))
        for what in ("rules", "dashboards")
    ]


def test_one_settings_file_moves_the_rules_and_the_dashboards_together(tmp_path):
    done = build_both(tmp_path, f"expected_claim_reasons: [{', '.join(SITE)}]\n")
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    texts = {p.name: p.read_text() for p in [*tmp_path.glob("rules/*.yml"), *tmp_path.glob("dashboards/*.json")]}
    matchers = {name: set(MATCHER.findall(text)) for name, text in texts.items()}
    # every claim matcher of the recording rules, the alerts and the overview panels left out the site's set
    assert {m for ms in matchers.values() for m in ms} == {"|".join(SITE)}
    assert matchers["recording.yml"] and matchers["alerts.yml"] and matchers["airdrops-overview.json"]
    assert f"{', '.join(SITE)} are not counted" in texts["alerts.yml"]
    assert f"not faults: {', '.join(SITE)}" in texts["airdrops-claim-success.json"]
    check = subprocess.run(
        [require("promtool", "prometheus"), "check", "rules", "recording.yml", "alerts.yml"],
        cwd=tmp_path / "rules", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("expected_claim_reasons: [not_eligible, gas_spike]\n", "unknown claim reason(s) 'gas_spike'"),
        ("expected_claim_reasons: [none]\n", "unknown claim reason(s) 'none'"),
        ("expected_claim_reasons: []\n", "no claim reason given"),
        ("expected_claim_reasons: kill_switch\n", "must be a list"),
    ],
    ids=["unknown", "a success's reason", "empty", "not a list"],
)
def test_a_wrong_list_is_one_line_and_writes_nothing(tmp_path, settings, message):
    for done in build_both(tmp_path, settings):
        assert done.returncode == 2, done.stdout
        assert message in " ".join(done.stderr.split()), done.stderr
    assert not (tmp_path / "rules").exists() and not (tmp_path / "dashboards").exists()


def _claims(directory: Path) -> None:
    """One success, one fault by the vocabulary, which the site counts as an outcome, and one real fault."""
    no_value = {"amount": None, "token": None, "value_usd": None}
    write(directory / "bot.jsonl", [
        event("claim", outcome="success", reason=v.NONE),
        event("claim", outcome="failure", reason=v.INSUFFICIENT_FUNDS, **no_value),
        event("claim", outcome="failure", reason=v.REVERTED, **no_value),
    ])  # fmt: skip


def _rate(url: str) -> tuple[int, ...]:
    with connect(url) as conn:
        row = conn.execute("SELECT sum(attempts), sum(expected_failures), sum(counted) FROM claim_success_rate")[0]
        expected = conn.execute("SELECT reason FROM claim_reasons WHERE expected ORDER BY reason")
    return (*(int(x) for x in row), len(expected))


def test_the_etl_and_the_migrator_write_the_sites_list_and_the_views_follow(
    warehouse: Warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv(v.EXPECTED_CLAIM_REASONS_ENV, ",".join(SITE))
    _claims(tmp_path / "events")
    assert run_events(warehouse.url, tmp_path / "events").loaded == 3
    assert _rate(warehouse.url) == (3, 1, 2, len(SITE))  # 1 of 2 counted failed
    monkeypatch.delenv(v.EXPECTED_CLAIM_REASONS_ENV)
    done = airdrops("warehouse", "migrate", "--warehouse", warehouse.url)
    assert done.returncode == 0, done.stderr
    assert _rate(warehouse.url) == (3, 0, 3, len(v.EXPECTED_CLAIM_REASONS))  # the vocabulary's again
    done = airdrops("warehouse", "migrate", "--warehouse", warehouse.url, "--expected-claim-reasons", ",".join(SITE))
    assert done.returncode == 0, done.stderr
    assert _rate(warehouse.url) == (3, 1, 2, len(SITE))


@pytest.mark.parametrize("command", [["etl", "run"], ["warehouse", "migrate"]], ids=" ".join)
def test_a_wrong_list_stops_the_etl_and_the_migrator_before_they_open_anything(tmp_path, command):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), v.EXPECTED_CLAIM_REASONS_ENV: "not_eligible,gas_spike"}
    done = airdrops(*command, "--warehouse", url, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "unknown claim reason(s) 'gas_spike'" in " ".join(done.stderr.split())
    assert not (tmp_path / "w.duckdb").exists()
