"""End to end with the real servers: SDK metrics -> Prometheus rules -> Alertmanager -> webhook.

A bot process is stood in for by the SDK configured in this test process (the same `/metrics`
a bot serves); the rules are the generated ones with `for:` durations shortened, so the test
takes seconds instead of minutes.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from airdrops.alerting import Channels, Timing, render
from airdrops.monitoring import metrics
from airdrops.rules.build import write as write_rules
from airdrops.rules.config import DEFAULT, BurnRateWindow
from airdrops.services import Alertmanager, Prometheus, WebhookSink
from tests.servers import wait_for

pytestmark = pytest.mark.integration
BOT = "e2e-bot"

FAST = DEFAULT.with_overrides(
    {
        "bot_selector": 'job="airdrops-bot"',
        "rpc_min_requests": 1,
        "burn_rate_windows": tuple(
            BurnRateWindow(w.long, w.short, w.factor, w.severity, "0s") for w in DEFAULT.burn_rate_windows
        ),
    }
)


@pytest.fixture
def stack(sdk, tmp_path):
    handle = sdk(bot_id=BOT, instrument_requests=False)
    port = handle.metrics_url.split(":")[2].split("/")[0]
    files = write_rules(tmp_path / "rules", FAST)
    timing = Timing(group_wait="1s", group_interval="1s", repeat_interval="1h")
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(WebhookSink(log=tmp_path / "alerts.jsonl"))
        am = stack.enter_context(Alertmanager(tmp_path / "am", render(Channels(webhook_url=sink.url), timing)))
        prom = stack.enter_context(
            Prometheus(
                tmp_path / "prom",
                targets=[f"127.0.0.1:{port}"],
                rule_files=files,
                alertmanagers=[f"127.0.0.1:{am.port}"],
            )
        )
        yield prom, am, sink


def keep_failing_rpc(stop: threading.Event) -> None:
    while not stop.is_set():
        metrics.rpc_request_duration.record(0.05, provider="local", method="eth_call", outcome="failure")
        metrics.rpc_request_errors.add(1, provider="local", method="eth_call", error_type="ConnectionError")
        time.sleep(0.05)


def firing(sink: WebhookSink, alertname: str) -> list[dict]:
    return [a for a in sink.alerts(alertname=alertname) if a["status"] == "firing"]


def test_burn_rate_page_is_delivered_and_the_ticket_is_inhibited(stack):
    _prom, am, sink = stack
    stop = threading.Event()
    threading.Thread(target=keep_failing_rpc, args=(stop,), daemon=True).start()
    try:
        (page,) = wait_for(
            lambda: sink.alerts(alertname="AirdropsRpcAvailabilityBudgetBurn", severity="critical", bot_id=BOT)[:1],
            timeout=60,
        )
        assert page["status"] == "firing"
        assert page["annotations"]["runbook_url"].endswith("/docs/runbooks.md#airdropsrpcavailabilitybudgetburn")
        assert page["annotations"]["summary"] and BOT in page["annotations"]["description"]
        # Prometheus fires the ticket (warning) alert too, but Alertmanager inhibits it.
        tickets = wait_for(
            lambda: am.alerts(alertname="AirdropsRpcAvailabilityBudgetBurn", severity="warning"), timeout=30
        )
        assert all(t["status"]["state"] == "suppressed" and t["status"]["inhibitedBy"] for t in tickets)
        time.sleep(3)  # several group intervals: had it not been inhibited it would have been sent
        assert sink.alerts(alertname="AirdropsRpcAvailabilityBudgetBurn", severity="warning") == []
    finally:
        stop.set()


def test_kill_switch_fires_then_resolves(stack):
    _prom, _am, sink = stack
    metrics.risk_kill_switch.set(1)
    (fired,) = wait_for(lambda: firing(sink, "AirdropsKillSwitchTripped")[:1], timeout=60)
    assert fired["labels"]["severity"] == "critical" and fired["labels"]["bot_id"] == BOT
    assert fired["annotations"]["runbook_url"].endswith("#airdropskillswitchtripped")
    metrics.risk_kill_switch.set(0)
    resolved = wait_for(
        lambda: [a for a in sink.alerts(alertname="AirdropsKillSwitchTripped") if a["status"] == "resolved"], timeout=60
    )
    assert resolved[0]["labels"]["bot_id"] == BOT


def test_bot_down_silences_that_bots_other_alerts(stack):
    _, am, _sink = stack
    now = datetime.now(UTC)
    window = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(minutes=5)).isoformat()}
    alerts = [
        {"labels": {"alertname": "AirdropsBotDown", "severity": "critical", "bot_id": "b1"}, **window},
        {"labels": {"alertname": "AirdropsJobFailing", "severity": "warning", "bot_id": "b1"}, **window},
        {"labels": {"alertname": "AirdropsJobFailing", "severity": "warning", "bot_id": "b2"}, **window},
    ]
    requests.post(f"{am.url}/api/v2/alerts", json=alerts, timeout=10).raise_for_status()
    state = wait_for(
        lambda: (
            {
                (a["labels"]["alertname"], a["labels"]["bot_id"]): a["status"]["state"]
                for a in am.alerts()
                if a["labels"].get("bot_id") in {"b1", "b2"}
            }
            if len(am.alerts()) >= 3
            else None
        ),
        timeout=30,
    )
    assert state[("AirdropsJobFailing", "b1")] == "suppressed"
    assert state[("AirdropsJobFailing", "b2")] == "active"
    assert state[("AirdropsBotDown", "b1")] == "active"


def test_a_full_filesystem_silences_its_filling_up_warning_only(stack):
    """One page for a disk, not a page and a ticket; the same host's other disk still warns."""
    _, am, _sink = stack
    now = datetime.now(UTC)
    window = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(minutes=5)).isoformat()}
    disk = {"instance": "db1", "device": "/dev/vda1", "fstype": "ext4"}
    alerts = [
        {"labels": {"alertname": "NodeFilesystemAlmostFull", "severity": "critical", **disk, "mountpoint": "/"},
         **window},
        {"labels": {"alertname": "NodeFilesystemFillingUp", "severity": "warning", **disk, "mountpoint": "/"},
         **window},
        {"labels": {"alertname": "NodeFilesystemFillingUp", "severity": "warning", **disk, "mountpoint": "/srv",
                    "device": "/dev/vdb1"}, **window},
    ]  # fmt: skip
    requests.post(f"{am.url}/api/v2/alerts", json=alerts, timeout=10).raise_for_status()
    state = wait_for(
        lambda: (
            {(a["labels"]["alertname"], a["labels"]["mountpoint"]): a["status"]["state"] for a in disks}
            if len(disks := [a for a in am.alerts() if a["labels"].get("instance") == "db1"]) >= 3
            else None
        ),
        timeout=30,
    )
    assert state[("NodeFilesystemFillingUp", "/")] == "suppressed"
    assert state[("NodeFilesystemFillingUp", "/srv")] == "active"
    assert state[("NodeFilesystemAlmostFull", "/")] == "active"
