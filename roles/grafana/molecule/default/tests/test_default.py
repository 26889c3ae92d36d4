"""Verify the grafana role with grafana_install_method: none (no package, no live service here).

Checks what Grafana would read: grafana.ini (admin password from the inventory, safe settings,
permissions), the datasource and dashboard provisioning files (parsed), the dashboards copied from
the repository, and the systemd drop-in.
"""

from __future__ import annotations

import configparser
import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[5]
DASHBOARDS = sorted((REPO / "dashboards").glob("*.json"))
INI = "/etc/grafana/grafana.ini"
DATASOURCES = "/etc/grafana/provisioning/datasources/airdrops.yml"
PROVIDERS = "/etc/grafana/provisioning/dashboards/airdrops.yml"
DASHBOARD_DIR = "/var/lib/grafana/dashboards/airdrops"
DROPIN = "/etc/systemd/system/grafana-server.service.d/airdrops-hardening.conf"
APT_SOURCES = "/etc/apt/sources.list.d/grafana.sources"


# One round trip to the container (each testinfra call through Ansible costs about a second):
# stat and content of every file the tests look at, and who can read the secret files.
SNAPSHOT = r"""
import grp, json, os, pwd, stat, subprocess, sys
paths, secret, listing = json.loads(sys.argv[1])
out = {"files": {}, "readable": {}, "listing": sorted(os.listdir(listing)) if os.path.isdir(listing) else None}
for path in paths:
    if not os.path.isfile(path):
        out["files"][path] = None
        continue
    st = os.stat(path)
    out["files"][path] = {
        "mode": stat.S_IMODE(st.st_mode),
        "user": pwd.getpwuid(st.st_uid).pw_name,
        "group": grp.getgrgid(st.st_gid).gr_name,
        "content": open(path, encoding="utf-8").read(),
    }
for path in secret:
    for user in ("nobody", "grafana"):
        rc = subprocess.run(["runuser", "-u", user, "--", "cat", path], capture_output=True).returncode
        out["readable"][f"{user}:{path}"] = rc == 0
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def state(host):
    paths = [INI, DATASOURCES, PROVIDERS, DROPIN, APT_SOURCES]
    paths += [f"{DASHBOARD_DIR}/{p.name}" for p in DASHBOARDS]
    args = json.dumps([paths, [INI, DATASOURCES], DASHBOARD_DIR])
    return json.loads(host.check_output("python3 -c %s %s", SNAPSHOT, args))


def stat_of(state, path):
    f = state["files"][path]
    assert f is not None, f"{path} missing"
    return f


@pytest.fixture(scope="module")
def inventory(host):
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def ini(state):
    parser = configparser.RawConfigParser(strict=True, interpolation=None)
    parser.read_string("[_]\n" + stat_of(state, INI)["content"])
    return parser


@pytest.fixture(scope="module")
def datasources(state):
    data = yaml.safe_load(stat_of(state, DATASOURCES)["content"])
    assert data["apiVersion"] == 1
    return {ds["uid"]: ds for ds in data["datasources"]}


def test_dashboards_found_in_repository():
    assert len(DASHBOARDS) >= 7, REPO


@pytest.mark.parametrize(
    ("path", "mode", "owner", "group"),
    [
        (INI, 0o640, "root", "grafana"),
        (DATASOURCES, 0o640, "root", "grafana"),
        (PROVIDERS, 0o640, "root", "grafana"),
        (DROPIN, 0o644, "root", "root"),
    ],
)
def test_file_permissions(state, path, mode, owner, group):
    f = stat_of(state, path)
    assert (f["mode"], f["user"], f["group"]) == (mode, owner, group)


@pytest.mark.parametrize("path", [INI, DATASOURCES])
def test_secrets_not_readable_by_others(state, path):
    assert stat_of(state, path)["mode"] & 0o007 == 0
    assert state["readable"][f"nobody:{path}"] is False
    assert state["readable"][f"grafana:{path}"] is True


def test_admin_password_from_inventory(ini, inventory):
    value = ini.get("security", "admin_password")
    assert value == f'"""{inventory["molecule_grafana_admin_password"]}"""'
    assert ini.get("security", "admin_user") == "admin"


@pytest.mark.parametrize(
    ("section", "key", "expected"),
    [
        ("server", "http_addr", "127.0.0.1"),
        ("server", "http_port", "3000"),
        ("server", "protocol", "http"),
        ("server", "domain", "localhost"),
        ("security", "disable_gravatar", "true"),
        ("security", "cookie_secure", "false"),
        ("users", "allow_sign_up", "false"),
        ("auth.anonymous", "enabled", "false"),
        ("analytics", "reporting_enabled", "false"),
        ("analytics", "check_for_updates", "false"),
        ("paths", "data", "/var/lib/grafana"),
        ("paths", "provisioning", "/etc/grafana/provisioning"),
        # grafana_ini_extra: a new section and a key added to one of the role's sections
        ("log", "level", "warn"),
        ("users", "default_theme", "light"),
    ],
)
def test_grafana_ini_settings(ini, section, key, expected):
    assert ini.get(section, key) == expected


def test_no_root_url_unless_set(ini):
    assert not ini.has_option("server", "root_url")


def test_prometheus_datasource(datasources):
    ds = datasources["airdrops-prometheus"]
    assert ds["type"] == "prometheus"
    assert ds["isDefault"] is True
    # the first host of the `prometheus` group added by converge.yml, at its ansible_host
    assert ds["url"] == "http://192.0.2.9:9090"
    assert "basicAuth" not in ds
    assert ds["jsonData"]["tlsSkipVerify"] is False


def test_warehouse_datasource_uses_the_reader(datasources, inventory):
    ds = datasources["airdrops-warehouse"]
    assert ds["type"] == "grafana-postgresql-datasource"
    assert ds["url"] == "192.0.2.5:5432"
    assert ds["user"] == "airdrops_grafana"
    assert ds["jsonData"]["database"] == "airdrops"
    assert ds["jsonData"]["sslmode"] == "require"
    assert ds["jsonData"]["maxOpenConns"] == 10  # under the reader's connection limit (30)
    # Grafana expands $NAME in provisioning files; $$ is a literal $
    password = inventory["molecule_grafana_postgres_password"]
    assert "$" in password
    assert ds["secureJsonData"] == {"password": password.replace("$", "$$")}
    assert ds["isDefault"] is False


def test_one_datasource_per_type_the_dashboards_ask_for(datasources):
    """Each dashboard's `datasource` variable selects by type: exactly one datasource must match."""
    provisioned = [ds["type"] for ds in datasources.values()]
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        wanted = [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
        assert wanted, path.name
        for kind in wanted:
            assert provisioned.count(kind) == 1, (path.name, kind, provisioned)


def test_dashboard_provider(state):
    data = yaml.safe_load(stat_of(state, PROVIDERS)["content"])
    (provider,) = data["providers"]
    assert provider["type"] == "file"
    assert provider["folder"] == "airdrops"
    assert provider["allowUiUpdates"] is False
    assert provider["options"]["path"] == DASHBOARD_DIR


@pytest.mark.parametrize("source", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_copied(state, source):
    f = stat_of(state, f"{DASHBOARD_DIR}/{source.name}")
    assert (f["mode"], f["user"], f["group"]) == (0o644, "root", "grafana")
    copied = json.loads(f["content"])
    assert copied == json.loads(source.read_text())
    assert copied["uid"]


def test_only_repository_dashboards(state):
    assert state["listing"] == [p.name for p in DASHBOARDS]


def test_hardening_dropin(state):
    lines = stat_of(state, DROPIN)["content"].splitlines()
    for line in [
        "[Service]",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/grafana /var/log/grafana",
        "PrivateTmp=true",
        "NoNewPrivileges=true",
        "ProtectHome=true",
    ]:
        assert line in lines


def test_no_apt_repository_with_method_none(state):
    assert state["files"][APT_SOURCES] is None
