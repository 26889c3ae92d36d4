"""The metrics-stream configuration: defaults that exist, YAML that loads, mistakes named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from airdrops.collectors.config import (
    DEFAULT_METRICS,
    DEFAULT_RECORDS,
    ConfigError,
    MetricQuery,
    MetricsConfig,
    load_config,
    seconds,
)
from airdrops.monitoring import catalog

ROOT = Path(__file__).resolve().parents[2]


def recorded_rules() -> set[str]:
    groups = yaml.safe_load((ROOT / "rules" / "recording.yml").read_text())["groups"]
    return {r["record"] for g in groups for r in g["rules"]}


def test_default_queries_name_real_recording_rules_and_catalogue_metrics():
    assert set(DEFAULT_RECORDS) <= recorded_rules()
    exported = catalog.prometheus_names()
    cfg = MetricsConfig()
    assert len(cfg.queries) == len(DEFAULT_RECORDS) + len(DEFAULT_METRICS)
    for q in cfg.queries:
        assert q.expr in recorded_rules() or q.expr in exported, q
        assert q.stream == f"prometheus:{q.name}"
        assert q.step_s == 60


def test_yaml_file_with_every_kind_of_query(tmp_path):
    path = tmp_path / "etl.yml"
    path.write_text(
        """
prometheus:
  url: https://mimir.example:8080/prometheus
  bearer_token_file: ~/token
  ca_file: /etc/ssl/ca.pem
  headers: {X-Scope-OrgID: team-a}
  timeout: 30s
  attempts: 3
step: 30s
backfill: 7d
lag: 2m
max_points: 5000
queries:
  - record: bot_id:airdrops_capital_idle:ratio
  - metric: airdrops.portfolio.value
    step: 5m
  - metric: airdrops_rpc_request_duration_seconds_count
  - name: gas_hourly
    expr: sum by (chain) (increase(airdrops_protocol_gas_cost_usd_total[1h]))
    step: 1h
"""
    )
    cfg = load_config(path)
    src = cfg.prometheus
    assert src.url == "https://mimir.example:8080/prometheus"
    assert src.bearer_token_file == Path.home() / "token"
    assert src.headers == {"X-Scope-OrgID": "team-a"} and src.timeout_s == 30 and src.retry.attempts == 3
    assert (cfg.backfill_s, cfg.lag_s, cfg.max_points) == (7 * 86400, 120, 5000)
    assert [(q.name, q.expr, q.step_s) for q in cfg.queries] == [
        ("bot_id:airdrops_capital_idle:ratio", "bot_id:airdrops_capital_idle:ratio", 30),
        ("airdrops.portfolio.value", "airdrops_portfolio_value_usd", 300),
        ("airdrops_rpc_request_duration_seconds_count", "airdrops_rpc_request_duration_seconds_count", 30),
        ("gas_hourly", "sum by (chain) (increase(airdrops_protocol_gas_cost_usd_total[1h]))", 3600),
    ]
    assert cfg.with_url("http://127.0.0.1:9090").prometheus.url == "http://127.0.0.1:9090"
    assert [q.name for q in cfg.select(["gas_hourly"]).queries] == ["gas_hourly"]


def test_step_alone_applies_to_the_default_queries():
    cfg = MetricsConfig.from_dict({"step": "15s"})
    assert {q.step_s for q in cfg.queries} == {15}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"queries": [{"metric": "airdrops.nope"}]}, "not in the metric catalogue"),
        ({"queries": [{"metric": "airdrops.rpc.request.duration"}]}, "is a histogram"),
        ({"queries": [{"record": "not_a_rule"}]}, "not a recording rule name"),
        ({"queries": [{"expr": "up"}]}, "needs a name"),
        ({"queries": [{"record": "a:b:c", "metric": "airdrops.portfolio.value"}]}, "exactly one of"),
        ({"queries": [{"record": "a:b:c"}, {"record": "a:b:c"}]}, "duplicate query names"),
        ({"queries": [{"record": "a:b:c", "step": "0.5s"}]}, "whole number of seconds"),
        ({"max_points": 11_001}, "between 1 and 11000"),
        ({"lag": "5 minutes"}, "not a duration"),
        ({"prometheus": {"url": "127.0.0.1:9090"}}, "http"),
        ({"prometheus": {"bearer_token": "x", "username": "u"}}, "not both"),
        ({"prometheus": {"key_file": "/k"}}, "needs prometheus.cert_file"),
        ({"prometheus": {"passwd": "x"}}, "unknown keys passwd"),
        ({"querys": []}, "unknown keys querys"),
    ],
)
def test_mistakes_are_named(data, message):
    with pytest.raises(ConfigError, match=message):
        MetricsConfig.from_dict(data)


def test_unknown_query_selection_is_refused():
    with pytest.raises(ConfigError, match="no such queries: nope"):
        MetricsConfig().select(["nope"])


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read ETL config"):
        load_config(tmp_path / "missing.yml")


def test_durations():
    assert seconds("1h30m") == 5400
    assert seconds(15) == 15
    assert seconds("250ms") == 0.25
    assert MetricQuery.record("bot_id:airdrops_capital_idle:ratio", 15).step_s == 15
