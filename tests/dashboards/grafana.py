"""Reading the generated dashboards as Grafana would: panels, targets, and template expansion."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser
import yaml

from airdrops.dashboards.build import DASHBOARDS, STACK_DASHBOARDS
from airdrops.monitoring import catalog

ROOT = Path(__file__).resolve().parents[2]
UIDS = [make().uid for make in DASHBOARDS]
STACK_UIDS = [make().uid for make in STACK_DASHBOARDS]
#: Every dashboard over Prometheus: the bots' and the stack's.
PROMETHEUS_UIDS = UIDS + STACK_UIDS
#: Variables a query may use, besides Grafana's built-ins.
LABEL_VARIABLES = ("bot_id", "chain", "protocol")
#: What Grafana puts for its built-in variables, for a parse (1m rate window, 1h range).
BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


@dataclass(frozen=True)
class Target:
    dashboard: str
    panel: str
    ref_id: str
    expr: str

    def __str__(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref_id}"


def load(uid: str, root: Path = ROOT) -> dict[str, Any]:
    return dict(json.loads((root / "dashboards" / f"{uid}.json").read_text()))


def panels(dash: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel that draws data, including those inside collapsed rows."""
    for panel in dash.get("panels", []):
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def targets(dash: dict[str, Any]) -> Iterator[Target]:
    for panel in panels(dash):
        for t in panel.get("targets", []):
            yield Target(dash["uid"], panel["title"], t["refId"], t["expr"])


def variable_selectors(dash: dict[str, Any]) -> dict[str, str]:
    """Each query variable's series selector, from `label_values(selector, label)`."""
    out = {}
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", var["query"])
            assert match, f"{var['name']}: not a label_values(selector, label) query: {var['query']}"
            assert match.group(2) == var["name"], var
            out[var["name"]] = match.group(1)
    return out


def expand(expr: str, value: str = ".*", *, bot_id: str | None = None, **builtins: str) -> str:
    """Grafana's interpolation: label variables to `value` (a regex, `bot_id` may differ), built-ins to windows."""
    values = {**BUILTINS, **builtins, **dict.fromkeys((*LABEL_VARIABLES, "instance"), value)}
    if bot_id is not None:
        values["bot_id"] = bot_id

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in values:
            raise KeyError(f"unknown Grafana variable ${name} in {expr}")
        return values[name]

    return _VARIABLE.sub(sub, expr)


def regex_escape(value: str) -> str:
    """How Grafana's Prometheus datasource escapes one value of a multi-value variable."""
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), value)


def recording_rules(root: Path = ROOT) -> set[str]:
    """Names recorded in rules/recording.yml, if that file exists yet."""
    path = root / "rules" / "recording.yml"
    if not path.exists():
        return set()
    doc = yaml.safe_load(path.read_text()) or {}
    return {r["record"] for g in doc.get("groups", []) for r in g.get("rules", []) if "record" in r}


def allowed_names() -> set[str]:
    return set(catalog.prometheus_names()) | {"up", "ALERTS"} | recording_rules()


def selectors(expr: str) -> list[promql_parser.VectorSelector]:
    """Every vector selector of a PromQL expression (raises if it does not parse)."""
    found: list[promql_parser.VectorSelector] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def metric_names(selector: promql_parser.VectorSelector) -> set[str]:
    """The metric names a selector can match: its name, or the catalogue names its __name__ regex matches."""
    if selector.name:
        return {selector.name}
    names: set[str] = set()
    for m in selector.matchers.matchers:
        if m.name != "__name__":
            continue
        if m.op == promql_parser.MatchOp.Equal:
            names.add(m.value)
        elif m.op == promql_parser.MatchOp.Re:
            names |= {n for n in allowed_names() if re.fullmatch(m.value, n)}
    return names


def matchers(selector: promql_parser.VectorSelector) -> dict[str, str]:
    return {m.name: m.value for m in selector.matchers.matchers}
