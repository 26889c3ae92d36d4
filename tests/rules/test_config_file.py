"""`airdrops rules build --config FILE --out DIR`: an operator's YAML over the defaults reaches the
rules (waits, thresholds, objectives, runbook links) and promtool accepts them; a wrong file is one
clear line and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from airdrops.services.process import require

AIRDROPS = str(Path(sys.executable).parent / "airdrops")


def build(tmp_path: Path, settings: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "rules.yml").write_text(settings)
    args = ["rules", "build", "--config", str(tmp_path / "rules.yml"), "--out", str(tmp_path / "out")]
    return subprocess.run([AIRDROPS, *args], capture_output=True, text=True, timeout=120)


def alerts(tmp_path: Path) -> dict[str, list[dict]]:
    doc = yaml.safe_load((tmp_path / "out" / "alerts.yml").read_text())
    out: dict[str, list[dict]] = {}
    for group in doc["groups"]:
        for rule in group["rules"]:
            out.setdefault(rule["alert"], []).append(rule)
    return out


def test_overrides_reach_the_rules_and_promtool_accepts_them(tmp_path):
    done = build(
        tmp_path,
        "bot_down_for: 7m\n"
        "runbook_base_url: https://runbooks.example.org/airdrops.md\n"
        "claim_success_objective: 0.9\n"
        "claim_slo_min_events: 50\n"
        "filesystem_free_ratio: 0.2\n",
    )
    assert done.returncode == 0, done.stderr
    rules = alerts(tmp_path)
    assert rules["AirdropsBotDown"][0]["for"] == "7m"
    urls = {r["annotations"]["runbook_url"] for rs in rules.values() for r in rs}
    assert all(u.startswith("https://runbooks.example.org/airdrops.md#") for u in urls)
    page = next(r for r in rules["AirdropsClaimSuccessBudgetBurn"] if r["labels"]["long"] == "1h")
    assert "(14.4 * 0.1)" in page["expr"] and ">= 50" in page["expr"]
    assert "< 0.2" in rules["NodeFilesystemFillingUp"][0]["expr"]
    check = subprocess.run(
        [require("promtool", "prometheus"), "check", "rules", "recording.yml", "alerts.yml"],
        cwd=tmp_path / "out", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("bot_down_for: 7\n", "bot_down_for must be a str like '2m', got 7"),
        ("bot_down_for: soon\n", "bot_down_for must be a duration like '2m', got 'soon'"),
        ("claim_success_objective: high\n", "claim_success_objective must be a float like 0.95"),
        ("no_such_setting: 1\n", "unknown rules setting(s): no_such_setting"),
        ("- bot_down_for\n", "expected a mapping of settings"),
    ],
)
def test_a_wrong_file_is_one_clear_line_and_writes_nothing(tmp_path, settings, message):
    done = build(tmp_path, settings)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
