"""The Alertmanager configuration: valid for amtool, routed and inhibited as documented."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from airdrops.alerting import Channels, config, render

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "rules/alertmanager/alertmanager.yml"
AMTOOL = shutil.which("amtool") or "amtool"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def full_config(tmp_path) -> Path:
    secret = tmp_path / "secret"
    secret.write_text("not-a-real-secret\n")
    channels = Channels(
        webhook_url="http://127.0.0.1:5001/alerts",
        email_to="ops@example.org",
        email_from="bot@example.org",
        email_smarthost="smtp.example.org:587",
        email_username="bot",
        email_password_file=str(secret),
        slack_api_url_file=str(secret),
        slack_channel="#airdrops",
        telegram_chat_id=-100123,
        telegram_bot_token="123:token-value",
    )
    path = tmp_path / "alertmanager.yml"
    path.write_text(render(channels))
    return path


def test_committed_config_matches_the_code():
    assert COMMITTED.read_text() == render(), "run `airdrops alerting build`"


@pytest.mark.parametrize("which", ["committed", "full"])
def test_amtool_check_config_is_clean(which, full_config):
    path = COMMITTED if which == "committed" else full_config
    out = amtool("check-config", str(path))
    assert out.returncode == 0 and "SUCCESS" in out.stdout, out.stdout + out.stderr


ROUTES = [
    ({"alertname": "Watchdog", "severity": "none"}, "watchdog"),
    ({"alertname": "AirdropsBotDown", "severity": "critical", "bot_id": "b1"}, "critical"),
    ({"alertname": "AirdropsRpcErrorRatioHigh", "severity": "warning", "bot_id": "b1"}, "warning"),
    ({"alertname": "AirdropsIdleCapitalHigh", "severity": "info", "bot_id": "b1"}, "default"),
    ({"alertname": "SomethingUnlabelled"}, "default"),
]


@pytest.mark.parametrize(("labels", "receiver"), ROUTES, ids=[r[1] + ":" + r[0]["alertname"] for r in ROUTES])
@pytest.mark.parametrize("which", ["committed", "full"])
def test_routes(labels, receiver, which, full_config):
    path = COMMITTED if which == "committed" else full_config
    out = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={path}",
        f"--verify.receivers={receiver}",
        *[f"{k}={v}" for k, v in labels.items()],
    )
    assert out.returncode == 0, f"{labels} went to {out.stdout.strip()!r}, expected {receiver!r}"


def test_critical_reaches_every_configured_channel_and_warning_only_chat(full_config):
    receivers = {r["name"]: r for r in yaml.safe_load(full_config.read_text())["receivers"]}
    assert {"webhook_configs", "email_configs", "slack_configs", "telegram_configs"} <= receivers["critical"].keys()
    assert {"webhook_configs", "slack_configs"} == receivers["warning"].keys() - {"name"}


def test_inhibition_rules():
    rules = config()["inhibit_rules"]
    assert {
        "source_matchers": ['severity="critical"'],
        "target_matchers": ['severity=~"warning|info"'],
        "equal": ["alertname", "bot_id"],
    } in rules
    bot_down = next(r for r in rules if r["source_matchers"] == ['alertname="AirdropsBotDown"'])
    assert bot_down["equal"] == ["bot_id"] and "Watchdog" in bot_down["target_matchers"][0]
    full = next(r for r in rules if r["source_matchers"] == ['alertname="NodeFilesystemAlmostFull"'])
    assert full["target_matchers"] == ['alertname="NodeFilesystemFillingUp"']
    assert {"instance", "mountpoint", "device"} <= set(full["equal"])


def test_no_secret_in_the_committed_file_and_incomplete_channels_are_refused():
    assert "bot_token" not in COMMITTED.read_text() and "password" not in COMMITTED.read_text()
    with pytest.raises(ValueError, match="email_from"):
        render(Channels(email_to="ops@example.org", email_smarthost="smtp:587"))
    with pytest.raises(ValueError, match="Telegram bot token"):
        render(Channels(telegram_chat_id=1))
    assert "token-value" not in repr(Channels(telegram_chat_id=1, telegram_bot_token="token-value"))


def test_demo_rules_are_valid(tmp_path):
    from airdrops.demo.stack import DEMO_RULES
    from airdrops.rules.build import write as write_rules

    paths = write_rules(tmp_path, DEMO_RULES)
    out = subprocess.run(
        [shutil.which("promtool") or "promtool", "check", "rules", *paths], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "for: 15s" in (tmp_path / "alerts.yml").read_text()
