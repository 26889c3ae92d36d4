"""The class docstrings are runnable examples: keep them true."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "airdrops.scheduler.clock",
        "airdrops.scheduler.core",
        "airdrops.risk_management.limits",
        "airdrops.risk_management.manager",
        "airdrops.capital_allocation.allocator",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
