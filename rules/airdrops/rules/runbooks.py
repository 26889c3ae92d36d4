"""Runbook links, added by code to every alert (kubernetes-mixin's `add-runbook-links`)."""

from __future__ import annotations

import dataclasses

from airdrops.rules.model import Alert, Group


def anchor(alert: str) -> str:
    """The anchor GitHub gives the heading `## <alert>` in the runbook file: the name lower-cased."""
    return alert.lower()


def runbook_url(base_url: str, alert: str) -> str:
    return f"{base_url}#{anchor(alert)}"


def add_runbook_links(groups: list[Group], base_url: str) -> list[Group]:
    """The same groups with `runbook_url` added to every alert's annotations."""
    out = []
    for group in groups:
        rules = tuple(
            dataclasses.replace(r, annotations={**r.annotations, "runbook_url": runbook_url(base_url, r.alert)})
            if isinstance(r, Alert)
            else r
            for r in group.rules
        )
        out.append(Group(group.name, rules))
    return out
