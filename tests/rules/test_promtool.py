"""promtool, the real one (Debian package `prometheus`), checks the rules and runs their unit tests."""

from __future__ import annotations

import subprocess

import pytest

from airdrops.services.process import require
from tests.rules.conftest import RULES, unit_test_files


@pytest.fixture(scope="module")
def promtool() -> str:
    return require("promtool", "prometheus")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=RULES, capture_output=True, text=True, timeout=300)


def test_promtool_check_rules_is_clean(promtool):
    result = run(promtool, "check", "rules", "recording.yml", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    # No lint warnings (duplicate rules and the like): only the two SUCCESS lines.
    assert result.stdout.count("SUCCESS") == 2, result.stdout
    assert "WARNING" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_promtool_unit_tests_pass(promtool):
    files = [str(p.relative_to(RULES)) for p in unit_test_files()]
    assert len(files) >= 9
    result = run(promtool, "test", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files), result.stdout
