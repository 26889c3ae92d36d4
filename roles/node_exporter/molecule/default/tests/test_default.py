"""node_exporter from the distribution package: flags, hardening, service, metrics.

Each call into the container costs an Ansible round trip, so one module-scoped fixture reads
everything once and the parametrized tests assert on it.
"""

import json
import re

import pytest

UNIT = "prometheus-node-exporter"
PROPS = "ActiveState,UnitFileState,MainPID,User,ProtectSystem,ProtectHome,PrivateTmp,NoNewPrivileges"
GATHER = f"""
import json, subprocess, urllib.request
show = subprocess.run(["systemctl", "show", "-p", "{PROPS}", "{UNIT}"], capture_output=True, text=True).stdout
props = dict(line.split("=", 1) for line in show.splitlines() if "=" in line)
with open("/proc/%s/cmdline" % props["MainPID"]) as f:
    cmdline = f.read().split(chr(0))
with open("/etc/default/{UNIT}") as f:
    defaults = f.read()
listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout.split()
metrics = urllib.request.urlopen("http://127.0.0.1:9100/metrics", timeout=10).read().decode()
print(json.dumps(dict(props=props, cmdline=cmdline, defaults=defaults, listening=listening, metrics=metrics)))
"""


@pytest.fixture(scope="module")
def state(host):
    return json.loads(host.check_output("python3 -c %s", GATHER))


def test_service_running_and_enabled(state):
    assert state["props"]["ActiveState"] == "active"
    assert state["props"]["UnitFileState"] == "enabled"


def test_listens_on_loopback_only(state):
    assert "127.0.0.1:9100" in state["listening"]
    assert "0.0.0.0:9100" not in state["listening"]
    assert "*:9100" not in state["listening"]


@pytest.mark.parametrize(
    "flag",
    [
        "--web.listen-address=127.0.0.1:9100",
        "--collector.textfile.directory=/var/lib/prometheus/node-exporter",
        "--collector.processes",
        "--collector.systemd",
        "--no-collector.mdadm",
    ],
)
def test_flags_written_and_running(state, flag):
    assert flag in re.search(r'^ARGS="(.*)"$', state["defaults"], re.M).group(1).split()
    assert flag in state["cmdline"]


@pytest.mark.parametrize(
    "prop,value",
    [
        ("ProtectSystem", "strict"),
        ("ProtectHome", "read-only"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("User", "node-exporter"),  # its own user, not the package's shared prometheus
    ],
)
def test_unit_hardened(state, prop, value):
    assert state["props"][prop] == value


def test_metrics_served(state):
    assert "node_exporter_build_info{" in state["metrics"]
    # --collector.processes switched on, --no-collector.mdadm switched off
    assert 'node_scrape_collector_success{collector="processes"} 1' in state["metrics"]
    assert 'collector="mdadm"' not in state["metrics"]


def test_unit_states_are_read_through_dbus(state):
    """NodeSystemdUnitFailed reads node_systemd_unit_state: the collector must reach systemd."""
    assert 'node_scrape_collector_success{collector="systemd"} 1' in state["metrics"]
    assert re.search(
        rf'node_systemd_unit_state\{{name="{UNIT}.service",state="active",type="[a-z]+"\}} 1', state["metrics"]
    )
