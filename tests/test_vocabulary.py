"""One owner for the shared vocabulary: every layer derives the claim taxonomy and the claim success
definition from `airdrops.monitoring.vocabulary`, and a layer that restates them fails here."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path

import pytest
import yaml

from airdrops import monitoring
from airdrops.collectors.pipeline import run_events
from airdrops.collectors.warehouse import connect, migrate
from airdrops.collectors.warehouse.definitions import claim_reason_rows, definition_rows
from airdrops.monitoring import catalog, event_schema, vocabulary
from airdrops.rules.build import render
from airdrops.rules.config import DEFAULT
from tests.collectors.cases import event, write
from tests.servers import Warehouse

ROOT = Path(__file__).resolve().parents[1]
SOURCE_ROOTS = ("sdk", "bot", "collectors", "analytics", "rules", "dashboards", "devstack")
OWNER = ROOT / "sdk/airdrops/monitoring/vocabulary.py"
#: Reason names distinctive enough to spot a restated taxonomy (`none` and `other` are ordinary words).
DISTINCT = set(vocabulary.CLAIM_REASON_NAMES) - {vocabulary.NONE, vocabulary.OTHER}
#: (file, literal) pairs that use one of those words for something other than a claim reason.
NOT_A_CLAIM_REASON = {
    ("bot/airdrops/risk_management/limits.py", vocabulary.KILL_SWITCH),  # a risk action, `action_taken`
}


def _python_files() -> list[Path]:
    return sorted(p for root in SOURCE_ROOTS for p in (ROOT / root).rglob("*.py") if p != OWNER)


def test_the_catalogue_and_the_event_schema_take_the_reasons_from_the_vocabulary():
    (reason,) = [a for a in catalog.get("airdrops.claim.attempts").attributes if a.key == "reason"]
    assert reason.values == vocabulary.CLAIM_REASON_NAMES
    (field,) = [f for f in event_schema.EVENT_TYPES["claim"] if f.name == "reason"]
    assert field.values == vocabulary.CLAIM_REASON_NAMES and field.fallback == vocabulary.OTHER
    assert vocabulary.OTHER in vocabulary.CLAIM_REASON_NAMES


def test_no_source_file_restates_a_claim_reason():
    """A claim reason written as a string literal anywhere but the vocabulary is a second definition."""
    found = []
    for path in _python_files():
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if (
                isinstance(node, ast.Constant)
                and node.value in DISTINCT
                and (rel, node.value) not in NOT_A_CLAIM_REASON
            ):
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, "use airdrops.monitoring.vocabulary's names instead:\n" + "\n".join(found)


def test_the_check_above_finds_a_restated_taxonomy(tmp_path):
    """The scan is not vacuous: the old analytics constant would be caught."""
    tree = ast.parse('INELIGIBLE_REASONS = ("not_eligible",)\n')
    assert [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in DISTINCT]


def test_the_warehouse_views_name_no_claim_reason(warehouse: Warehouse):
    """The views classify claims by joining `claim_reasons` (synced from the vocabulary), never by listing reasons."""
    migrate(warehouse.url)
    with connect(warehouse.url) as conn:
        if conn.dialect == "postgres":
            rows = conn.execute("SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()")
        else:
            rows = conn.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal")
    assert len(rows) >= 10
    for name, sql in rows:
        words = set(re.findall(r"[a-z_]+", sql.lower()))
        assert not words & DISTINCT, f"view {name} names {words & DISTINCT}"


def test_the_rules_and_dashboards_count_claims_as_the_vocabulary_says():
    expected = "|".join(vocabulary.EXPECTED_CLAIM_REASONS)
    texts = {**render(DEFAULT), **{p.name: p.read_text() for p in (ROOT / "dashboards").glob("*.json")}}
    claim_matchers = set()
    for name, text in texts.items():
        claim_matchers |= {m for m in re.findall(r'reason!~\\?"([^"\\]*)\\?"', text)}
        if "airdrops_claim_attempts_total" in text:
            # every PromQL selector of claims that filters on reasons filters on exactly the expected ones
            assert not re.search(r'reason(?:=~|!=|=)\\?"', text), name
    assert claim_matchers == {expected}


def test_the_warehouse_holds_the_vocabulary_and_sync_restores_it(warehouse: Warehouse):
    migrate(warehouse.url)
    with connect(warehouse.url) as conn:
        reasons = conn.execute("SELECT reason, outcome, expected, ineligible, fallback, description FROM claim_reasons")
        assert sorted(map(tuple, reasons)) == sorted(claim_reason_rows())
        conn.execute("UPDATE claim_reasons SET expected = NOT expected WHERE reason = %s", (vocabulary.RPC_ERROR,))
        conn.execute("DELETE FROM definitions")
    assert migrate(warehouse.url) == []  # nothing to migrate, but the tables are made equal to the code again
    with connect(warehouse.url) as conn:
        reasons = conn.execute("SELECT reason, outcome, expected, ineligible, fallback, description FROM claim_reasons")
        values = conn.execute("SELECT name, value, description FROM definitions")
    assert sorted(map(tuple, reasons)) == sorted(claim_reason_rows())
    assert sorted(map(tuple, values)) == sorted(definition_rows())


def test_an_unknown_reason_is_other_in_the_metric_and_in_the_views(warehouse: Warehouse, tmp_path, capmetrics):
    """The bot's own text stays in the event log; the metric and every view count it as `other`."""
    with monitoring.track_claim("base", "morpho", "morpho-s1", "0xabc") as claim:
        claim.set_claim(success=False, reason="gas_spike")
    assert capmetrics.value("airdrops.claim.attempts", outcome="failure", reason=vocabulary.OTHER) == 1
    assert capmetrics.value("airdrops.sdk.attributes.rejected") == 0  # handled, not an instrumentation fault

    records = [
        event("claim", outcome="failure", reason="gas_spike", amount=None, token=None, value_usd=None),
        event("claim", outcome="failure", reason=vocabulary.NOT_ELIGIBLE, amount=None, token=None, value_usd=None),
        event("claim", outcome="success", reason=vocabulary.NONE),
        event("claim", outcome="failure", amount=None, token=None, value_usd=None),  # no reason at all
    ]
    del records[3]["reason"]
    write(tmp_path / "events" / "bot.jsonl", records)
    assert run_events(warehouse.url, tmp_path / "events").loaded == 4
    with connect(warehouse.url) as conn:
        outcomes = conn.execute("SELECT reason, expected, sum(attempts) FROM claim_outcomes GROUP BY 1, 2 ORDER BY 1")
        rate = conn.execute("SELECT sum(attempts), sum(expected_failures), sum(counted), sum(succeeded) "
                            "FROM claim_success_rate")[0]  # fmt: skip
        raw = conn.execute("SELECT reason FROM claims WHERE reason = 'gas_spike'")
    assert [tuple(r) for r in outcomes] == [("none", False, 1), ("not_eligible", True, 1), ("other", False, 2)]
    assert tuple(int(x) for x in rate) == (4, 1, 3, 1)
    assert raw == [("gas_spike",)]


def test_shared_names_come_from_the_vocabulary():
    from airdrops.collectors.cli import COLLECTOR_PORT
    from airdrops.collectors.config import PrometheusSource
    from airdrops.monitoring._internal.config import PARAMS
    from airdrops.services.prometheus import Prometheus

    defaults = {p.name: p.default for p in PARAMS}
    assert defaults["port"] == vocabulary.PORTS.bot_metrics and defaults["service_name"] == vocabulary.BOT_JOB
    assert vocabulary.PORTS.collector_metrics == COLLECTOR_PORT
    assert PrometheusSource().url.endswith(f":{vocabulary.PORTS.prometheus}")
    assert DEFAULT.bot_selector == f'job="{vocabulary.BOT_JOB}"'
    assert DEFAULT.collector_selector == f'job="{vocabulary.COLLECTOR_JOB}"'
    assert inspect.signature(Prometheus).parameters["job"].default == vocabulary.BOT_JOB
    # the Ansible roles cannot import Python: their defaults are checked against it instead
    prometheus = yaml.safe_load((ROOT / "roles/prometheus/defaults/main.yml").read_text())
    jobs = {t["job"]: t for t in prometheus["prometheus_target_groups"]}
    assert jobs[vocabulary.BOT_JOB]["port"] == vocabulary.PORTS.bot_metrics
    assert jobs[vocabulary.COLLECTOR_JOB]["port"] == vocabulary.PORTS.collector_metrics
    bot = yaml.safe_load((ROOT / "roles/airdrops_bot/defaults/main.yml").read_text())
    assert bot["airdrops_bot_metrics_port"] == vocabulary.PORTS.bot_metrics


def test_the_docs_show_the_vocabulary_once():
    text = (ROOT / "docs/analytics.md").read_text()
    assert text.count(vocabulary.to_markdown()) == 1, "run `airdrops docs build`"
    assert text.count("### Claim reasons") == 1


@pytest.mark.parametrize("name", ["catalogue", "events"])
def test_generated_catalogues_list_every_reason(name):
    data = json.loads(catalog.to_json() if name == "catalogue" else event_schema.to_json())
    assert all(r in json.dumps(data) for r in vocabulary.CLAIM_REASON_NAMES)
