"""The catalogue is the single source of truth: docs are generated from it and must not drift."""

from __future__ import annotations

import json
import subprocess
import sys

from airdrops.monitoring import catalog


def test_every_metric_is_documented_and_named_consistently():
    names = [m.name for m in catalog.METRICS]
    assert len(names) == len(set(names))
    for m in catalog.METRICS:
        assert m.name.startswith("airdrops."), m.name
        assert m.description.strip() and m.unit, m.name
        assert (m.kind == "histogram") == (m.buckets is not None), m.name
        if m.kind == "histogram":
            assert m.unit == "s" and list(m.buckets) == sorted(m.buckets), m.name


def test_catalogue_json_round_trips():
    rows = json.loads(catalog.to_json())
    assert [r["name"] for r in rows] == [m.name for m in catalog.METRICS]
    assert rows[0]["prometheus_name"] == catalog.METRICS[0].prometheus_name


def test_importing_the_sdk_does_not_import_heavy_dependencies():
    code = (
        "import sys, airdrops.monitoring, airdrops.monitoring.testing\n"
        "heavy = {'polars', 'duckdb', 'psycopg', 'web3', 'ansible', 'pandas'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
