"""The committed rule files, their promtool tests and the runbook, parsed once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
RUNBOOKS = ROOT / "docs" / "runbooks.md"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def unit_test_files() -> list[Path]:
    return sorted((RULES / "tests").glob("*.yml"))


@pytest.fixture(scope="session")
def alert_groups() -> list[dict[str, Any]]:
    return list(load(RULES / "alerts.yml")["groups"])


@pytest.fixture(scope="session")
def recording_groups() -> list[dict[str, Any]]:
    return list(load(RULES / "recording.yml")["groups"])


@pytest.fixture(scope="session")
def alert_rules(alert_groups) -> list[dict[str, Any]]:
    return [r for g in alert_groups for r in g["rules"]]


@pytest.fixture(scope="session")
def recording_rules(recording_groups) -> list[dict[str, Any]]:
    return [r for g in recording_groups for r in g["rules"]]


@pytest.fixture(scope="session")
def unit_tests() -> dict[str, Any]:
    """Each promtool test file's content, by file name."""
    return {p.name: load(p) for p in unit_test_files()}
