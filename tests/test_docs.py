"""Generated documents match the code they come from, and the layers import what they may."""

from __future__ import annotations

from pathlib import Path

import pytest

from airdrops.cli import docgen

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted(docgen.generated(ROOT)), ids=lambda p: p.name)
def test_generated_document_has_not_drifted(path):
    expected = docgen.generated(ROOT)[path]
    assert path.exists() and path.read_text() == expected, f"{path.name} drifted from the code: run `make docs`"


def test_the_sdk_imports_no_other_layer():
    graph = docgen.module_deps(ROOT)
    assert graph["airdrops.monitoring"] == set()


def test_the_import_graph_has_the_layers_we_expect():
    graph = docgen.module_deps(ROOT)
    assert "airdrops.monitoring" in graph["airdrops.scheduler"]
    assert "airdrops.monitoring" in graph["airdrops.protocols"]
    assert all("airdrops.cli" not in deps for deps in graph.values()), "nothing may import the CLI"


def test_docs_name_every_cli_make_target_and_port():
    readme = (ROOT / "README.md").read_text()
    for needle in ("make demo", "make test", "make bench", "9464", "9090"):
        assert needle in readme, needle


def test_the_inventory_and_the_readme_count_what_the_code_has():
    import yaml

    from airdrops.analytics.query import VIEWS
    from airdrops.monitoring.vocabulary import PORTS

    inventory = (ROOT / "docs" / "pulse_inventory.md").read_text()
    readme = (ROOT / "README.md").read_text()
    missing = [view for view in VIEWS if f"`{view}`" not in inventory]
    assert not missing, f"docs/pulse_inventory.md does not say who reads {missing}"
    for port in (PORTS.bot_metrics, PORTS.collector_metrics, PORTS.prometheus, PORTS.alertmanager, PORTS.grafana):
        assert f"| {port}" in inventory, port
    recording = yaml.safe_load((ROOT / "rules" / "recording.yml").read_text())["groups"]
    alerting = [r for g in yaml.safe_load((ROOT / "rules" / "alerts.yml").read_text())["groups"] for r in g["rules"]]
    records = sum(len(g["rules"]) for g in recording)
    names = {r["alert"] for r in alerting}
    counts = f"{records} recording rules in {len(recording)} groups"
    assert counts in inventory, counts
    alerts = f"{len(alerting)} alerting rules for {len(names)} alerts"
    assert alerts in inventory and alerts in readme, alerts


def test_the_architecture_walk_names_files_that_exist_and_stays_short():
    """docs/architecture.md follows one metric through at most 6 source files, each one real, and the
    README's layout names every top folder that holds a layer."""
    import re

    text = (ROOT / "docs/architecture.md").read_text()
    paths = set(re.findall(r"`((?:sdk|bot|collectors|analytics|rules|dashboards|devstack|tests)/[\w/.-]+)`", text))
    assert paths and [p for p in sorted(paths) if not (ROOT / p).exists()] == []
    trip = text.split("## The trip", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d+\. \*\*`([^`]+)`\*\*", trip, flags=re.M)
    assert 0 < len(steps) <= 6 and all((ROOT / s).is_file() for s in steps)
    layout = (ROOT / "README.md").read_text().split("## Layout", 1)[1]
    for folder in docgen.LAYERS:
        assert f"\n{folder}/" in layout, folder


def test_no_module_is_over_400_lines():
    roots = ("sdk", "bot", "collectors", "analytics", "rules", "dashboards", "devstack")
    long = {str(p.relative_to(ROOT)): n for r in roots for p in (ROOT / r).rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}  # fmt: skip
    assert long == {}, "split these by what they hold"
