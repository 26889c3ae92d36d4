"""The committed JSON is what the Python source generates (the drift check), byte for byte."""

from __future__ import annotations

from airdrops.dashboards.build import ANALYTICS_DASHBOARDS, build
from tests.dashboards.grafana import PROMETHEUS_UIDS, ROOT, UIDS

#: The analytics dashboards (tests/analytics/test_dashboards.py) are written by the same build.
ALL_UIDS = PROMETHEUS_UIDS + [make().uid for make in ANALYTICS_DASHBOARDS]


def test_build_writes_one_file_per_dashboard_then_nothing(tmp_path):
    written = build(tmp_path)
    assert [p.name for p in written] == [f"{uid}.json" for uid in ALL_UIDS]
    assert sorted(p.name for p in (tmp_path / "dashboards").iterdir()) == sorted(p.name for p in written)
    assert build(tmp_path) == [], "a second build changes nothing"


def test_committed_json_has_not_drifted_from_the_source(tmp_path):
    for path in build(tmp_path):
        committed = ROOT / "dashboards" / path.name
        assert committed.exists(), f"{committed} is missing: run `airdrops dashboards build`"
        assert committed.read_text() == path.read_text(), (
            f"{committed.relative_to(ROOT)} differs from its generator: run `airdrops dashboards build`"
        )


def test_build_is_deterministic(tmp_path):
    first = [p.read_bytes() for p in build(tmp_path / "a")]
    second = [p.read_bytes() for p in build(tmp_path / "b")]
    assert first == second


def test_uids_are_stable_and_unique():
    assert UIDS == ["airdrops-overview", "airdrops-scheduler", "airdrops-risk", "airdrops-capital"]
