"""Every alert is tested by promtool: a case where it fires (labels and annotations checked) and
one where it does not. A new alert without both fails here, before it reaches anyone's pager."""

from __future__ import annotations

from collections import defaultdict

#: Alerts that cannot have a case where they do not fire: the dead man's switch fires always.
ALWAYS_FIRING = {"Watchdog"}


def cases(unit_tests):
    """(alertname, exp_alerts) of every alert_rule_test in every test file."""
    for content in unit_tests.values():
        for test in content["tests"]:
            for case in test.get("alert_rule_test", []):
                yield case["alertname"], case.get("exp_alerts") or []


def test_every_alert_rule_has_a_firing_case_with_labels_and_annotations(alert_rules, unit_tests):
    fired = defaultdict(set)
    for name, expected in cases(unit_tests):
        for alert in expected:
            labels, annotations = alert.get("exp_labels") or {}, alert.get("exp_annotations") or {}
            assert {"summary", "description", "runbook_url"} <= annotations.keys(), (name, alert)
            assert "severity" in labels, (name, alert)
            fired[name].add(labels["severity"])
    missing = sorted(
        f"{r['alert']} (severity {r['labels']['severity']})"
        for r in alert_rules
        if r["labels"]["severity"] not in fired[r["alert"]]
    )
    assert not missing, f"alerts without a promtool case where they fire: {missing}"


def test_every_alert_has_a_case_where_it_does_not_fire(alert_rules, unit_tests):
    quiet = {name for name, expected in cases(unit_tests) if not expected}
    missing = sorted({r["alert"] for r in alert_rules} - quiet - ALWAYS_FIRING)
    assert not missing, f"alerts without a promtool case where they do not fire: {missing}"


def test_always_firing_alerts_really_always_fire(alert_rules):
    for rule in alert_rules:
        if rule["alert"] in ALWAYS_FIRING:
            assert rule["expr"] == "vector(1)" and "for" not in rule


def test_tests_name_only_existing_alerts(alert_rules, unit_tests):
    names = {r["alert"] for r in alert_rules}
    unknown = sorted({name for name, _ in cases(unit_tests)} - names)
    assert not unknown, f"promtool tests for alerts that do not exist: {unknown}"


def test_test_files_load_both_rule_files_and_evaluate_recording_rules_first(unit_tests, alert_groups, recording_groups):
    order = [g["name"] for g in recording_groups] + [g["name"] for g in alert_groups]
    for name, content in unit_tests.items():
        assert name.endswith("-test.yml"), name
        assert content["rule_files"] == ["../recording.yml", "../alerts.yml"], name
        # Without an order promtool evaluates groups in random order, and an alert may read the
        # recording of the previous evaluation: results would vary from run to run.
        assert content.get("group_eval_order") == order, name
