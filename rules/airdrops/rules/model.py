"""Rule groups as data, and their Prometheus rule-file form (plain dicts, keys in the usual order)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airdrops.rules.config import Severity


@dataclass(frozen=True)
class Record:
    """A recording rule: `record` is `level:metric:operations`."""

    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record, "expr": self.expr}
        if self.labels:
            out["labels"] = dict(self.labels)
        return out


@dataclass(frozen=True)
class Alert:
    """An alerting rule; `labels` are added to `severity`, `annotations` to summary and description."""

    alert: str
    expr: str
    severity: Severity
    summary: str
    description: str
    for_: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"alert": self.alert, "expr": self.expr}
        if self.for_:
            out["for"] = self.for_
        out["labels"] = {"severity": self.severity, **self.labels}
        out["annotations"] = {"summary": self.summary, "description": self.description, **self.annotations}
        return out


@dataclass(frozen=True)
class Group:
    """A rule group: one component's rules, evaluated in order."""

    name: str
    rules: tuple[Record | Alert, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rules": [r.to_dict() for r in self.rules]}


def rule_file(groups: list[Group]) -> dict[str, Any]:
    """The content of a Prometheus rule file."""
    return {"groups": [g.to_dict() for g in groups]}
