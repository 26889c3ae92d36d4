"""The reference bot as a hardened service: unit, /metrics with its bot_id, event log for the collector."""

import re
import time

from airdrops_checks import HARDENED, unit_mismatches

BOT_ID = "molecule-bot"
METRICS = (
    'python3 -c "import urllib.request;'
    "print(urllib.request.urlopen('http://127.0.0.1:9464/metrics', timeout=10).read().decode())\""
)


def _series(body, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for line in body.splitlines():
        m = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if m and all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
            total += float(m.group(2))
    return total


def _metrics_when(host, ready, timeout=180):
    """/metrics once `ready(body)` holds (deploying the contracts takes a while on a busy host)."""
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        out = host.run(METRICS)
        if out.rc == 0:
            body = out.stdout
            if ready(body):
                return body
        time.sleep(3)
    raise AssertionError(f"/metrics not ready in {timeout} s; last body:\n{body[-2000:]}")


def _farming(body):
    return _series(body, "airdrops_scheduler_job_runs_total", bot_id=BOT_ID, job_name="farm", outcome="success") > 0


def test_service_running_and_enabled(host):
    svc = host.service("airdrops-bot")
    assert svc.is_running
    assert svc.is_enabled


def test_metrics_on_loopback_only(host):
    assert host.socket("tcp://127.0.0.1:9464").is_listening
    assert not host.socket("tcp://0.0.0.0:9464").is_listening


def test_bot_is_farming(host):
    body = _metrics_when(host, _farming)
    assert f'bot_id="{BOT_ID}"' in body
    assert _series(body, "airdrops_protocol_tx_total", bot_id=BOT_ID) > 0


def test_event_log_readable_by_the_group(host):
    _metrics_when(host, _farming)
    events = host.file("/var/lib/airdrops-bot/events")
    assert events.is_directory
    assert (events.user, events.group, events.mode) == ("airdrops-bot", "airdrops-bot", 0o750)
    assert host.file("/var/lib/airdrops-bot").mode == 0o750
    files = host.check_output("find /var/lib/airdrops-bot/events -name '*.jsonl' -size +0").split()
    assert files, "no event log file"
    for path in files:
        f = host.file(path)
        assert (f.user, f.group, f.mode) == ("airdrops-bot", "airdrops-bot", 0o640)
        assert f'"bot_id":"{BOT_ID}"' in f.content_string


def test_contracts_compiled_into_the_cache(host):
    assert host.check_output("find /var/lib/airdrops-bot/cache/contracts -name '*.json' | wc -l").strip() != "0"


def test_environment_file_root_only(host):
    env = host.file("/etc/airdrops/bot.env")
    assert (env.user, env.group, env.mode) == ("root", "root", 0o600)
    content = env.content_string
    for line in (
        f'AIRDROPS_BOT_ID="{BOT_ID}"',
        'OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1"',
        'OTEL_EXPORTER_PROMETHEUS_PORT="9464"',
        'AIRDROPS_EVENTS_DIR="/var/lib/airdrops-bot/events"',
        'AIRDROPS_CACHE_DIR="/var/lib/airdrops-bot/cache"',
        'AIRDROPS_ANVIL="/opt/airdrops/airdrops-bot/bin/anvil"',
    ):
        assert line in content.splitlines()


def test_anvil_copied(host):
    anvil = host.file("/opt/airdrops/airdrops-bot/bin/anvil")
    assert anvil.is_file and anvil.mode == 0o755
    assert "anvil" in host.check_output("/opt/airdrops/airdrops-bot/bin/anvil --version")


UNIT = {
    **HARDENED,
    "User": "airdrops-bot",
    "ProtectHome": "yes",
    "UMask": "0027",
    "StateDirectory": "airdrops-bot",
    "Restart": "on-failure",
    "ReadWritePaths": "/var/lib/airdrops-bot",
}


def test_unit_hardened(host):
    assert unit_mismatches(host, "airdrops-bot", UNIT) == {}


def test_stops_cleanly_and_starts_again(host):
    """systemd stops the bot with SIGTERM: it exits 0 (not a failure), then starts and farms again."""
    _metrics_when(host, _farming)
    host.check_output("systemctl stop airdrops-bot")
    assert host.check_output("systemctl show -p Result --value airdrops-bot").strip() == "success"
    assert host.check_output("systemctl show -p ExecMainStatus --value airdrops-bot").strip() == "0"
    host.check_output("systemctl start airdrops-bot")
    _metrics_when(host, _farming)
    assert host.service("airdrops-bot").is_running
