"""The rule files are generated: committed output matches the code, byte for byte, every time."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from airdrops.rules import alerts, recording
from airdrops.rules.build import HEADER, build, render
from airdrops.rules.config import DEFAULT, BurnRateWindow, RulesConfig, seconds
from airdrops.rules.model import rule_file
from airdrops.rules.runbooks import add_runbook_links
from airdrops.rules.yamlfile import dump
from tests.rules.conftest import RULES

COMPONENTS = ("bot", "rpc", "protocols", "claims", "scheduler", "risk", "capital", "sdk", "slo", "etl")


def test_committed_rule_files_have_not_drifted_from_the_code(tmp_path):
    paths = build(tmp_path)
    assert [p.name for p in paths] == ["recording.yml", "alerts.yml"]
    for path in paths:
        committed = RULES / path.name
        assert committed.read_text() == path.read_text(), f"rules/{path.name} drifted: run `airdrops rules build`"
    assert build(tmp_path) == [], "a second build changed files"


def test_output_is_deterministic_and_says_it_is_generated():
    first, second = render(), render()
    assert first == second
    for text in first.values():
        assert text.startswith(f"# {HEADER}\n")


def test_written_yaml_reads_back_as_the_rules_it_was_made_from():
    files = render()
    assert yaml.safe_load(files["recording.yml"]) == rule_file(recording.groups(DEFAULT))
    expected_alerts = rule_file(add_runbook_links(alerts.groups(DEFAULT), DEFAULT.runbook_base_url))
    assert yaml.safe_load(files["alerts.yml"]) == expected_alerts


def test_groups_are_split_by_component(alert_groups, recording_groups):
    stack = ["stack-hosts", "stack-prometheus", "stack-alertmanager", "stack-postgres"]  # the stack watching itself
    assert [g["name"] for g in alert_groups] == [f"airdrops-{c}" for c in COMPONENTS] + stack
    # plus the daily-total material the ETL loads (airdrops-ops.rules), which has no alerts of its own
    assert {g["name"] for g in recording_groups} <= {f"airdrops-{c}.rules" for c in (*COMPONENTS, "ops")}


def test_a_config_change_reaches_the_rules():
    cfg = DEFAULT.with_overrides({"bot_selector": 'job="farm-bots"', "rpc_error_ratio": 0.1})
    text = render(cfg)["alerts.yml"]
    assert 'up{job="farm-bots"}' in text and 'job="airdrops-bot"' not in text
    assert "bot_id_provider:airdrops_rpc_errors:ratio_rate5m > 0.1\n" in text


def test_overrides_read_as_from_a_yaml_file():
    cfg = DEFAULT.with_overrides(
        {
            "burn_rate_windows": [{"long": "1h", "short": "5m", "factor": 14.4, "severity": "critical", "for": "1m"}],
            "latency_quantiles": [0.5],
        }
    )
    assert cfg.burn_rate_windows == (BurnRateWindow("1h", "5m", 14.4, "critical", "1m"),)
    assert cfg.slo_windows == ("5m", "1h")
    assert cfg.latency_quantiles == (0.5,)
    with pytest.raises(KeyError, match="rpc_error_ratoi"):
        DEFAULT.with_overrides({"rpc_error_ratoi": 0.1})
    # which claim failures are expected outcomes is the vocabulary's, the same for every layer: not a setting
    with pytest.raises(KeyError, match="claim_expected_failure_reasons"):
        DEFAULT.with_overrides({"claim_expected_failure_reasons": ["not_eligible"]})


def test_every_config_value_is_used_by_the_default_rules():
    """A setting nothing reads is a lie in the config: each one must change the output."""
    base = render()
    changed = {
        str: lambda v: "97m" if re.fullmatch(r"[0-9]+[smhd]", v) else v + "_x",
        int: lambda v: v + 1,
        float: lambda v: v / 2,
        tuple: lambda v: v[:-1],
    }
    for f in dataclasses.fields(RulesConfig):
        value = getattr(DEFAULT, f.name)
        new = changed[type(value)](value)
        assert new != value
        assert render(DEFAULT.with_overrides({f.name: new})) != base, f"{f.name} changes nothing"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("5m", "5m"),
        ("0.5", "'0.5'"),
        ("true", "'true'"),
        ("vector(1)", "vector(1)"),
        ("a: b", "'a: b'"),
        ("{{ $value }}", "'{{ $value }}'"),
        ("bot {{ $labels.bot_id }}'s", "bot {{ $labels.bot_id }}'s"),
        ("{{ $labels.bot_id }}'s", '"{{ $labels.bot_id }}\'s"'),
        ("x #y", "'x #y'"),
        (0.5, "0.5"),
        (True, "true"),
    ],
)
def test_yaml_scalars_are_plain_only_when_unambiguous(value, text):
    assert dump({"k": value}) == f"k: {text}\n"
    assert yaml.safe_load(f"k: {text}") == {"k": value}


def test_yaml_literal_blocks_and_nesting_read_back():
    data = {"a": {"b": [{"c": "x\ny", "d": [1, "z"]}, {"e": {}}], "f": []}}
    text = dump(data, "one\ntwo")
    assert text.startswith("# one\n# two\n")
    assert "- c: |-\n        x\n        y\n" in text  # PromQL stays readable: a literal block, sequences indented
    assert yaml.safe_load(text) == data


def test_durations():
    assert [seconds(d) for d in ("30s", "5m", "1h", "1d", "3d")] == [30, 300, 3600, 86400, 259200]
