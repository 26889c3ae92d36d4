"""Every alert is actionable: severity, summary, a templated description, and a runbook link
whose anchor exists in docs/runbooks.md, in a section saying what it means, how to check it and
how to fix it."""

from __future__ import annotations

import re
from urllib.parse import urldefrag

import pytest

from airdrops.rules.config import DEFAULT
from tests.rules.conftest import RUNBOOKS

SEVERITIES = {"critical", "warning", "info"}
#: The three parts of a runbook section, as bold lead-ins.
PARTS = ("**Meaning.**", "**How to check.**", "**How to fix.**")
#: Alerts whose description has nothing to template: the dead man's switch carries no labels.
UNTEMPLATED = {"Watchdog"}


def github_anchors(markdown: str) -> list[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces to `-`,
    repeats numbered `-1`, `-2`, ..."""
    anchors: list[str] = []
    seen: dict[str, int] = {}
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"#{1,6} +(.+?) *#* *$", line)
        if not match:
            continue
        text = re.sub(r"`([^`]*)`", r"\1", match.group(1)).lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.append(slug if n == 0 else f"{slug}-{n}")
    return anchors


def sections(markdown: str) -> dict[str, str]:
    """`## Title` -> the section's text up to the next `##`."""
    parts = re.split(r"^## +(.+)$", markdown, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_github_anchor_rules():
    assert github_anchors("# Runbooks\n## AirdropsBotDown\n## A b, `c`!\n## A b, c\n") == [
        "runbooks",
        "airdropsbotdown",
        "a-b-c",
        "a-b-c-1",
    ]


def test_every_alert_has_severity_summary_and_templated_description(alert_rules):
    assert len(alert_rules) >= 20
    for rule in alert_rules:
        name = rule["alert"]
        # The stack's own alerts keep the names the monitoring mixins give them (operators know those).
        assert re.fullmatch(r"((Airdrops|Node|Prometheus|Alertmanager|Stack|Postgres)[A-Z][A-Za-z]+|Watchdog)", name), (
            name
        )
        assert rule["labels"]["severity"] in SEVERITIES, name
        annotations = rule["annotations"]
        assert set(annotations) == {"summary", "description", "runbook_url"}, name
        assert annotations["summary"].strip().endswith("."), name
        if name not in UNTEMPLATED:
            assert "{{ $labels." in annotations["description"], f"{name}: the description names no label"


def test_alerts_about_a_bot_carry_its_bot_id(alert_rules, alert_groups, unit_tests):
    """Alertmanager groups and inhibits by bot: alerts about a bot keep `bot_id` (checked on the
    labels promtool saw them fire with). The ETL collector's alerts carry the collector's own
    bot_id, for the same reason. Not the pipeline's own alerts, which have no bot; not the stack's
    (groups `stack-*`: hosts, Prometheus, Alertmanager, PostgreSQL), which name their `instance`;
    and AirdropsBotDown and AirdropsCollectorDown only have it once Prometheus has seen the
    target's target_info."""
    stack = {r["alert"] for g in alert_groups if g["name"].startswith("stack-") for r in g["rules"]}
    exempt = {"Watchdog", "AirdropsBotNotScraped", "AirdropsBotDown", "AirdropsCollectorDown"} | stack
    for rule in alert_rules:
        if rule["alert"] in stack:
            assert "{{ $labels.instance }}" in rule["annotations"]["description"], rule["alert"]
    for rule in alert_rules:
        if rule["alert"] not in exempt:
            assert "{{ $labels.bot_id }}" in rule["annotations"]["description"], rule["alert"]
    for content in unit_tests.values():
        for test in content["tests"]:
            for case in test.get("alert_rule_test", []):
                if case["alertname"] not in exempt:
                    for alert in case.get("exp_alerts") or []:
                        assert "bot_id" in alert["exp_labels"], case["alertname"]


def test_runbook_links_point_to_existing_anchors(alert_rules):
    anchors = set(github_anchors(RUNBOOKS.read_text()))
    for rule in alert_rules:
        url, fragment = urldefrag(rule["annotations"]["runbook_url"])
        assert url == DEFAULT.runbook_base_url and url.endswith("/docs/runbooks.md"), rule["alert"]
        assert fragment == rule["alert"].lower(), rule["alert"]
        assert fragment in anchors, f"{rule['alert']}: no section #{fragment} in docs/runbooks.md"


def test_each_runbook_section_is_an_alert_and_has_the_three_parts(alert_rules):
    found = sections(RUNBOOKS.read_text())
    assert set(found) == {r["alert"] for r in alert_rules}, "runbook sections and alerts differ"
    for title, body in found.items():
        positions = [body.find(part) for part in PARTS]
        assert -1 not in positions and positions == sorted(positions), f"{title}: needs {PARTS} in order"
        assert "`" in body.split(PARTS[1])[1].split(PARTS[2])[0], f"{title}: 'How to check' shows no query"


@pytest.mark.parametrize("link", sorted(set(re.findall(r"\]\(#([^)]+)\)", RUNBOOKS.read_text()))))
def test_links_inside_the_runbook_resolve(link):
    assert link in github_anchors(RUNBOOKS.read_text())
