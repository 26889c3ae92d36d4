"""Every bot test starts from empty catalogue instruments and keeps its events in memory.

Tests that write a real event file (they use the `event_log` fixture) skip the capture. Events
emitted while the SDK is neither configured nor capturing would wait in its buffer and land in
the next test's file, hence capture by default.
"""

from __future__ import annotations

import pytest

from airdrops.monitoring.testing import CapturedMetrics


@pytest.fixture(autouse=True)
def _isolated_telemetry(request: pytest.FixtureRequest, capmetrics: CapturedMetrics) -> CapturedMetrics:
    if "event_log" not in request.fixturenames:
        request.getfixturevalue("capevents")
    return capmetrics
