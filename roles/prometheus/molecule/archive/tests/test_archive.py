"""Prometheus from a release archive, run by the role's hardened unit."""

import json

from airdrops_checks import HARDENED, unit_mismatches, unit_properties

UNIT = {
    **HARDENED,
    "ActiveState": "active",
    "UnitFileState": "enabled",
    "FragmentPath": "/etc/systemd/system/prometheus.service",
    "User": "prometheus",
    "ProtectHome": "yes",
    "ReadWritePaths": "/var/lib/prometheus/metrics2",
}


def test_own_unit_running_and_hardened(host):
    assert unit_mismatches(host, "prometheus.service", UNIT) == {}


def test_runs_the_release_binary(host):
    assert "path=/usr/local/bin/prometheus" in unit_properties(host, "prometheus.service", ["ExecStart"])["ExecStart"]
    link = host.file("/usr/local/bin/prometheus")
    assert link.is_symlink
    assert link.linked_to.startswith("/opt/prometheus/2.42.0-")
    assert not host.package("prometheus").is_installed


def test_user_has_no_login(host):
    user = host.user("prometheus")
    assert user.shell == "/usr/sbin/nologin"


def test_serves_rules_and_scrapes_itself(host):
    script = r"""
import json, time, urllib.request
def api(path):
    return json.load(urllib.request.urlopen("http://127.0.0.1:9090" + path, timeout=10))["data"]
deadline = time.time() + 60
while True:
    targets = api("/api/v1/targets")["activeTargets"]
    if any(t["health"] == "up" for t in targets) or time.time() > deadline:
        break
    time.sleep(2)
print(json.dumps({"targets": targets, "rules": api("/api/v1/rules")["groups"],
                  "flags": api("/api/v1/status/flags")}))
"""
    out = json.loads(host.check_output("python3 -c %s", script))
    assert [(t["labels"]["job"], t["health"]) for t in out["targets"]] == [("prometheus", "up")]
    assert len(out["rules"]) > 0
    assert out["flags"]["storage.tsdb.retention.time"] == "2d"
