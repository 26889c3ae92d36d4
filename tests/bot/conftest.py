"""Every bot test starts from empty catalogue instruments (the SDK's `capmetrics` fixture)."""

from __future__ import annotations

import pytest

from airdrops.monitoring.testing import CapturedMetrics


@pytest.fixture(autouse=True)
def _fresh_metrics(capmetrics: CapturedMetrics) -> CapturedMetrics:
    return capmetrics
