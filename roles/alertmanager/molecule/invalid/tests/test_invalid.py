"""Archive mode, and after a refused configuration Alertmanager still runs the repository's one.

One module-scoped fixture reads everything in one call (each call is an Ansible round trip).
"""

import json

import pytest
import yaml

UNIT = "alertmanager"
PROPS = (
    "ActiveState,UnitFileState,MainPID,User,FragmentPath,ProtectSystem,ProtectHome,PrivateTmp,"
    "NoNewPrivileges,ReadWritePaths"
)
GATHER = f"""
import json, os, pwd, subprocess, urllib.request
show = subprocess.run(["systemctl", "show", "-p", "{PROPS}", "{UNIT}"], capture_output=True, text=True).stdout
props = dict(line.split("=", 1) for line in show.splitlines() if "=" in line)
with open("/proc/%s/cmdline" % props["MainPID"]) as f:
    cmdline = f.read().split(chr(0))
with open("/etc/alertmanager/alertmanager.yml") as f:
    live = f.read()
links = {{p: os.path.realpath(p) for p in ["/usr/local/bin/alertmanager", "/usr/local/bin/amtool"]}}
storage_owner = pwd.getpwuid(os.stat("/var/lib/alertmanager").st_uid).pw_name
status = urllib.request.urlopen("http://127.0.0.1:9093/api/v2/status", timeout=10).read().decode()
print(json.dumps(dict(props=props, cmdline=cmdline, live=live, links=links, storage_owner=storage_owner,
                      status=json.loads(status))))
"""
RECEIVERS = {"default", "watchdog", "critical", "warning"}


@pytest.fixture(scope="module")
def state(host):
    return json.loads(host.check_output("python3 -c %s", GATHER))


def test_service_still_active_from_own_unit(state):
    assert state["props"]["ActiveState"] == "active"
    assert state["props"]["UnitFileState"] == "enabled"
    assert state["props"]["FragmentPath"] == "/etc/systemd/system/alertmanager.service"
    assert state["cmdline"][0] == "/usr/local/bin/alertmanager"
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in state["cmdline"]


@pytest.mark.parametrize(
    "prop,value",
    [
        ("User", "alertmanager"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("ReadWritePaths", "/var/lib/alertmanager"),
    ],
)
def test_unit_hardened(state, prop, value):
    assert state["props"][prop] == value


@pytest.mark.parametrize("name", ["alertmanager", "amtool"])
def test_binaries_linked_into_versioned_dir(state, name):
    target = state["links"][f"/usr/local/bin/{name}"]
    assert target.startswith("/opt/alertmanager/0.25.0-")
    assert target.endswith(f"/alertmanager-0.25.0.linux-amd64/{name}")


def test_storage_owned_by_service_user(state):
    assert state["storage_owner"] == "alertmanager"


@pytest.mark.parametrize("source", ["live", "loaded"])
def test_repository_configuration_kept(state, source):
    text = state["live"] if source == "live" else state["status"]["config"]["original"]
    config = yaml.safe_load(text)
    assert {r["name"] for r in config["receivers"]} == RECEIVERS
    assert config["route"]["receiver"] == "default"
