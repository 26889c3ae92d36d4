"""promtool, the real one (Debian package `prometheus`), checks the rules and runs their unit tests."""

from __future__ import annotations

import os
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
    # One promtool per core, the files dealt out largest first: each runs its files one by one
    # on about one core, and the whole set takes over a minute.
    shares: list[list[str]] = [[] for _ in range(min(len(files), os.cpu_count() or 1))]
    for i, name in enumerate(sorted(files, key=lambda f: -(RULES / f).stat().st_size)):
        shares[i % len(shares)].append(name)
    procs = [
        subprocess.Popen(
            [promtool, "test", "rules", *share], cwd=RULES, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for share in shares
    ]
    outputs = [proc.communicate(timeout=300)[0] for proc in procs]
    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out
    assert sum(out.count("SUCCESS") for out in outputs) == len(files), outputs
