"""Write the dashboards as Grafana JSON: `dashboards/<uid>.json`, deterministic, for the drift check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards import analytics, capital, overview, risk, scheduler, stack

#: Every dashboard, in the order of the links between them.
DASHBOARDS: tuple[Callable[[], model.Dashboard], ...] = (
    overview.dashboard,
    scheduler.dashboard,
    risk.dashboard,
    capital.dashboard,
)
#: The stack's own health (node_exporter, Prometheus, Alertmanager, postgres_exporter series).
STACK_DASHBOARDS: tuple[Callable[[], model.Dashboard], ...] = (stack.dashboard,)
#: The analytics dashboards over the warehouse's views (PostgreSQL datasource), written beside them.
ANALYTICS_DASHBOARDS = analytics.DASHBOARDS


def render(dash: model.Dashboard) -> str:
    """Pretty JSON with sorted keys and a final newline: the same bytes for the same source."""
    return json.dumps(dash, cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build(root: Path) -> list[Path]:
    """Write every dashboard to `root/dashboards/<uid>.json`; return the files that changed."""
    out_dir = root / "dashboards"
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for make in (*DASHBOARDS, *STACK_DASHBOARDS, *ANALYTICS_DASHBOARDS):
        dash = make()
        path = out_dir / f"{dash.uid}.json"
        content = render(dash)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            changed.append(path)
    return changed
