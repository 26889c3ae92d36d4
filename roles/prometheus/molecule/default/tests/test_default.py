"""Prometheus from Debian's package, with web TLS and basic auth, rules and inventory targets."""

import json

import pytest
from airdrops_checks import HARDENED, unit_mismatches

CERT = "/etc/prometheus/tls/prometheus.crt"

# Runs inside the container (no curl there) in one go, since every command costs a podman exec:
# HTTP status of requests without and with credentials, then the API answers, waiting up to
# 90 s for the self-scrape and node targets. The server certificate is checked against the
# generated self-signed one.
PROBE = r"""
import base64, json, ssl, sys, time, urllib.error, urllib.request
users = json.loads(sys.argv[1])
ctx = ssl.create_default_context(cafile=sys.argv[2])
base = "https://127.0.0.1:9090"

def get(path, user=None, password=None):
    req = urllib.request.Request(base + path)
    if user is not None:
        token = base64.b64encode((user + ":" + password).encode()).decode()
        req.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

def api(path):
    status, body = get(path, "admin", users["admin"])
    assert status == 200, (path, status, body)
    return json.loads(body)["data"]

out = {"status": {
    "anonymous": get("/api/v1/status/buildinfo")[0],
    "wrong": get("/api/v1/status/buildinfo", "admin", "wrong")[0],
}}
for name, password in users.items():
    out["status"][name] = get("/api/v1/status/buildinfo", name, password)[0]
deadline = time.time() + 90
while True:
    targets = api("/api/v1/targets")["activeTargets"]
    up = {t["labels"]["job"] for t in targets if t["health"] == "up"}
    if {"prometheus", "node"} <= up or time.time() > deadline:
        break
    time.sleep(2)
time.sleep(6)  # one more scrape of the self target, for the query below
out["targets"] = api("/api/v1/targets")["activeTargets"]
out["rules"] = api("/api/v1/rules")["groups"]
out["alertmanagers"] = api("/api/v1/alertmanagers")
out["flags"] = api("/api/v1/status/flags")
out["config"] = api("/api/v1/status/config")["yaml"]
out["reload_ok"] = api("/api/v1/query?query=prometheus_config_last_reload_successful")["result"]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def users(host):
    return host.ansible.get_variables()["prometheus_web_basic_auth_users"]


@pytest.fixture(scope="module")
def probe(host, users):
    return json.loads(host.check_output("python3 -c %s %s %s", PROBE, json.dumps(users), CERT))


UNIT = {
    **HARDENED,
    "ActiveState": "active",
    "UnitFileState": "enabled",
    "User": "prometheus",
    "ProtectHome": "yes",
    "ReadWritePaths": "/var/lib/prometheus/metrics2",
}


def test_unit_running_and_hardened(host):
    assert unit_mismatches(host, "prometheus.service", UNIT) == {}


def test_listens_on_loopback_only(host):
    listening = host.check_output("ss -Hltn 'sport = :9090'").split()
    assert "127.0.0.1:9090" in listening
    assert "0.0.0.0:9090" not in listening and "*:9090" not in listening


FILES = {
    "/etc/prometheus/prometheus.yml": "640 root prometheus",
    "/etc/prometheus/web.yml": "640 root prometheus",
    "/etc/prometheus/tls/prometheus.key": "640 root prometheus",
    "/etc/prometheus/secrets/self-scrape.password": "640 root prometheus",
    "/etc/prometheus/secrets/alertmanager.password": "640 root prometheus",
    "/etc/prometheus/rules/recording.yml": "640 root prometheus",
    "/etc/prometheus/rules/alerts.yml": "640 root prometheus",
}


def test_config_files_and_modes(host):
    out = host.check_output("stat -c '%n %a %U %G' " + " ".join(FILES))
    found = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in out.splitlines()}
    assert found == FILES


def test_passwords_stay_out_of_the_configs(host, users):
    web = host.file("/etc/prometheus/web.yml").content_string
    config = host.file("/etc/prometheus/prometheus.yml").content_string
    for name, password in users.items():
        assert f"{name}: $2" in web  # bcrypt hash
        assert password not in web and password not in config
    assert "password_file: /etc/prometheus/secrets/self-scrape.password" in config


@pytest.mark.parametrize("who,status", [("anonymous", 401), ("wrong", 401), ("admin", 200), ("grafana", 200)])
def test_basic_auth(probe, who, status):
    assert probe["status"][who] == status


def test_rules_loaded(probe):
    groups = probe["rules"]
    assert len(groups) > 0
    names = {r["name"] for g in groups for r in g["rules"]}
    assert "bot_id:airdrops_rpc_requests:rate5m" in names  # rules/recording.yml
    assert any(r["type"] == "alerting" for g in groups for r in g["rules"])  # rules/alerts.yml
    assert {g["file"].rsplit("/", 1)[0] for g in groups} == {"/etc/prometheus/rules"}


def test_the_loaded_rules_carry_the_inventorys_settings(probe):
    """prometheus_rules_overrides (molecule.yml): the rules Prometheus runs were regenerated with them."""
    alerting = [r for g in probe["rules"] for r in g["rules"] if r["type"] == "alerting"]
    (bot_down,) = [r for r in alerting if r["name"] == "AirdropsBotDown"]
    assert bot_down["duration"] == 420  # bot_down_for: 7m (the default is 2m)
    urls = {r["annotations"]["runbook_url"] for r in alerting}
    assert urls and all(u.startswith("https://runbooks.example.org/airdrops.md#") for u in urls)


@pytest.mark.parametrize("job", ["prometheus", "node", "extra-static"])
def test_target_up(host, probe, job):
    mine = [t for t in probe["targets"] if t["labels"]["job"] == job]
    assert len(mine) == 1
    assert mine[0]["health"] == "up", mine[0]
    if job != "extra-static":  # the generated jobs label targets with the inventory name
        assert mine[0]["labels"]["instance"] == host.backend.get_hostname()


def test_jobs_come_from_inventory_groups(probe):
    jobs = {t["labels"]["job"] for t in probe["targets"]}
    # bots and collectors are not in the inventory: no job for them.
    assert jobs == {"prometheus", "node", "alertmanager", "extra-static"}
    am = next(t for t in probe["targets"] if t["labels"]["job"] == "alertmanager")
    assert am["scrapeUrl"] == "https://127.0.0.1:9093/metrics"
    assert am["labels"]["instance"] == "alertmanager-molecule"


def test_alertmanager_wired_from_inventory(probe):
    urls = [a["url"] for a in probe["alertmanagers"]["activeAlertmanagers"]]
    assert urls == ["https://127.0.0.1:9093/api/v2/alerts"]


@pytest.mark.parametrize(
    "flag,value",
    [
        ("storage.tsdb.retention.time", "12h"),
        ("storage.tsdb.retention.size", "512MiB"),  # Prometheus prints sizes in base 2
        ("storage.tsdb.path", "/var/lib/prometheus/metrics2"),
        ("web.config.file", "/etc/prometheus/web.yml"),
        ("web.listen-address", "127.0.0.1:9090"),
    ],
)
def test_flags(probe, flag, value):
    assert probe["flags"][flag] == value


def test_external_labels(probe):
    assert "environment: molecule" in probe["config"]


def test_config_loaded_successfully(probe):
    assert [s["value"][1] for s in probe["reload_ok"]] == ["1"]
