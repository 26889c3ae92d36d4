"""Write the dashboards as Grafana JSON: `dashboards/<uid>.json`, deterministic, for the drift check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards import analytics, capital, overview, risk, scheduler, stack
from airdrops.rules.config import DEFAULT, RulesConfig

#: Every dashboard, in the order of the links between them.
DASHBOARDS: tuple[Callable[..., model.Dashboard], ...] = (
    overview.dashboard,
    scheduler.dashboard,
    risk.dashboard,
    capital.dashboard,
)
#: The stack's own health (node_exporter, Prometheus, Alertmanager, postgres_exporter series).
STACK_DASHBOARDS: tuple[Callable[..., model.Dashboard], ...] = (stack.dashboard,)
#: The analytics dashboards over the warehouse's views (PostgreSQL datasource), written beside them.
ANALYTICS_DASHBOARDS = analytics.DASHBOARDS
#: Those that show a rules setting (expected claim outcomes, objectives, thresholds): built with the
#: rules' config, so a site's overrides reach the panels as they reach the alerts.
CONFIGURED = (overview.dashboard, stack.dashboard, analytics.claims.dashboard)


def render(dash: model.Dashboard) -> str:
    """Pretty JSON with sorted keys and a final newline: the same bytes for the same source."""
    return json.dumps(dash, cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dashboards(cfg: RulesConfig = DEFAULT) -> list[model.Dashboard]:
    """Every dashboard, with the rules' settings `cfg` where one shows a setting."""
    makers = (*DASHBOARDS, *STACK_DASHBOARDS, *ANALYTICS_DASHBOARDS)
    return [make(cfg) if make in CONFIGURED else make() for make in makers]


def build(root: Path, cfg: RulesConfig = DEFAULT, out: Path | None = None) -> list[Path]:
    """Write every dashboard to `<uid>.json` in `out` (default `root/dashboards`); return the files that changed."""
    out_dir = out or root / "dashboards"
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for dash in dashboards(cfg):
        path = out_dir / f"{dash.uid}.json"
        content = render(dash)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            changed.append(path)
    return changed
