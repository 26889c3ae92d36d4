"""node_exporter from a release archive: own hardened unit and user, links into /opt, metrics.

One module-scoped fixture reads everything in one call (each call is an Ansible round trip).
"""

import json

import pytest

UNIT = "node_exporter"
PROPS = "ActiveState,UnitFileState,MainPID,User,ProtectSystem,ProtectHome,PrivateTmp,NoNewPrivileges,FragmentPath"
GATHER = f"""
import json, os, subprocess, urllib.request
show = subprocess.run(["systemctl", "show", "-p", "{PROPS}", "{UNIT}"], capture_output=True, text=True).stdout
props = dict(line.split("=", 1) for line in show.splitlines() if "=" in line)
with open("/proc/%s/cmdline" % props["MainPID"]) as f:
    cmdline = f.read().split(chr(0))
pkg = subprocess.run(["dpkg-query", "-W", "-f=${{Status}}", "prometheus-node-exporter"],
                     capture_output=True, text=True).stdout
listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout.split()
links = {{p: os.path.realpath(p) if os.path.islink(p) else None
         for p in ["/usr/local/bin/node_exporter", "/srv/node_exporter"]}}
metrics = urllib.request.urlopen("http://127.0.0.1:9100/metrics", timeout=10).read().decode()
print(json.dumps(dict(props=props, cmdline=cmdline, pkg=pkg, listening=listening, links=links,
                      metrics=metrics)))
"""


@pytest.fixture(scope="module")
def state(host):
    return json.loads(host.check_output("python3 -c %s", GATHER))


def test_service_running_from_own_unit(state):
    assert state["props"]["ActiveState"] == "active"
    assert state["props"]["UnitFileState"] == "enabled"
    assert state["props"]["FragmentPath"] == "/etc/systemd/system/node_exporter.service"
    assert state["cmdline"][0] == "/usr/local/bin/node_exporter"


def test_distribution_package_absent(state):
    assert "installed" not in state["pkg"]


@pytest.mark.parametrize(
    "prop,value",
    [
        ("User", "node-exporter"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "read-only"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
    ],
)
def test_unit_hardened(state, prop, value):
    assert state["props"][prop] == value


@pytest.mark.parametrize(
    "link,release",
    [
        ("/usr/local/bin/node_exporter", "/opt/node_exporter/1.5.0-"),  # archive_src
        ("/srv/node_exporter", "/opt/node_exporter/1.5.0-url-"),  # archive_url
    ],
)
def test_binary_linked_into_versioned_dir(state, link, release):
    target = state["links"][link]
    assert target is not None, f"{link} is not a link"
    assert target.startswith(release)
    assert target.endswith("/node_exporter-1.5.0.linux-amd64/node_exporter")


def test_listens_on_every_address(state):
    assert "0.0.0.0:9100" in state["listening"] or "*:9100" in state["listening"]


def test_metrics_served(state):
    assert "node_exporter_build_info{" in state["metrics"]
