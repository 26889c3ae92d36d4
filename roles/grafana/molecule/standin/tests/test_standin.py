"""Verify the grafana role's install (apt), service and API tasks against the stand-in package.

The stand-in is not Grafana: it proves the role adds a signed APT repository the way it adds
Grafana's, installs and holds the pinned version, starts grafana-server under the
hardening drop-in (as the grafana user, with only its data and log directories writable), waits
for /api/health, and resets an admin password Grafana kept from an earlier start (prepare.yml
leaves the stand-in's database with another password).
"""

from __future__ import annotations

import json

import pytest

# One round trip to the container (each testinfra call through Ansible costs about a second).
SNAPSHOT = r"""
import json, os, pwd, subprocess, urllib.request

def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True).stdout.strip()

props = ["ProtectSystem", "PrivateTmp", "NoNewPrivileges", "ProtectHome", "User", "DropInPaths",
         "ReadWritePaths", "ActiveState", "UnitFileState"]
db = "/var/lib/grafana/grafana.db"
print(json.dumps({
    "version": run("dpkg-query", "-W", "-f", "${Version}", "grafana"),
    "selection": run("dpkg", "--get-selections", "grafana").split(),
    "sources": open("/etc/apt/sources.list.d/grafana.sources").read(),
    "key": open("/etc/apt/keyrings/grafana.asc").read(),
    "policy": run("apt-cache", "policy", "grafana"),
    "unit": {p: run("systemctl", "show", "-p", p, "--value", "grafana-server") for p in props},
    "listening": [line.split()[3] for line in run("ss", "-Htln", "sport", "= :3000").splitlines()],
    "health": json.loads(urllib.request.urlopen("http://127.0.0.1:3000/api/health", timeout=5).read()),
    "db": json.load(open(db)),
    "db_owner": pwd.getpwuid(os.stat(db).st_uid).pw_name,
}))
"""


@pytest.fixture(scope="module")
def state(host):
    return json.loads(host.check_output("python3 -c %s", SNAPSHOT))


def test_repository_added_with_its_key(state):
    sources = dict(line.split(": ", 1) for line in state["sources"].splitlines() if ": " in line)
    assert sources["URIs"] == "file:///srv/grafana-repo"
    assert sources["Suites"] == "stable"
    assert sources["Components"] == "main"
    assert sources["Signed-By"] == "/etc/apt/keyrings/grafana.asc"
    assert state["key"].startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")


def test_pinned_version_installed_from_the_repository_and_held(state):
    assert state["version"] == "12.0.0~standin"
    assert state["selection"] == ["grafana", "hold"]
    assert "file:/srv/grafana-repo stable/main" in state["policy"]


def test_service_enabled_and_running(state):
    assert state["unit"]["UnitFileState"] == "enabled"
    assert state["unit"]["ActiveState"] == "active"


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("ProtectSystem", "strict"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("ProtectHome", "yes"),
        ("User", "grafana"),
        ("ReadWritePaths", "/var/lib/grafana /var/log/grafana"),
        ("DropInPaths", "/etc/systemd/system/grafana-server.service.d/airdrops-hardening.conf"),
    ],
)
def test_unit_hardened(state, prop, value):
    assert state["unit"][prop] == value


def test_listens_on_loopback_only(state):
    assert "127.0.0.1:3000" in state["listening"]
    assert not any(a.startswith(("0.0.0.0:", "*:", "[::]:")) for a in state["listening"])


def test_writes_only_where_allowed(state):
    health = state["health"]
    assert health["database"] == "ok"
    assert health["uid"] != 0
    assert health["writable"] == {"usr": False, "etc": False, "data": True, "logs": True}


def test_admin_password_reset_to_the_inventory(host, state):
    expected = host.ansible.get_variables()["molecule_grafana_admin_password"]
    assert state["db"] == {"login": "admin", "password": expected}
    assert state["db_owner"] == "grafana"
