"""The analytics modules' docstring examples run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "airdrops.analytics",
    "airdrops.analytics.returns",
    "airdrops.analytics.query",
    "airdrops.dashboards.analytics",
    "airdrops.dashboards.analytics.sql",
    "airdrops.dashboards.analytics.panels",
]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
