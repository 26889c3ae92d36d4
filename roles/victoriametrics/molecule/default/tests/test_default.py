"""VictoriaMetrics from the distribution package: flags, hardening, HTTPS with basic auth, and a sample written
the way Prometheus' remote_write and the ETL reach it (write, then query it back).

One module-scoped probe reads everything inside the container once; the tests assert on it.
"""

import json
import re

import pytest

UNIT = "victoria-metrics"
PASSWORD = "molecule-vm-pw"
PROPS = "ActiveState,UnitFileState,MainPID,User,ProtectSystem,ProtectHome,PrivateTmp,NoNewPrivileges,ReadWritePaths"
GATHER = f"""
import base64, json, os, ssl, subprocess, time, urllib.error, urllib.request
show = subprocess.run(["systemctl", "show", "-p", "{PROPS}", "{UNIT}"], capture_output=True, text=True).stdout
props = dict(line.split("=", 1) for line in show.splitlines() if "=" in line)
with open("/proc/%s/cmdline" % props["MainPID"]) as f:
    cmdline = f.read().split(chr(0))
st = os.stat("/etc/default/{UNIT}")
with open("/etc/default/{UNIT}") as f:
    env_names = [line.split("=", 1)[0] for line in f if "=" in line and not line.startswith("#")]
ctx = ssl._create_unverified_context()
def call(path, data=None, auth=True):
    req = urllib.request.Request("https://127.0.0.1:8428" + path, data=data)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(b"prometheus:{PASSWORD}").decode())
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
now = int(time.time()) - 60  # queries see nothing newer than 30 s (-search.latencyOffset)
written = call("/api/v1/import/prometheus", data=('airdrops_molecule_probe{{bot_id="b1"}} 42 %d000' % now).encode())
call("/internal/force_flush")
queried = call("/api/v1/query?query=airdrops_molecule_probe&time=%d" % now)
print(json.dumps(dict(
    props=props, cmdline=cmdline, env_names=env_names,
    defaults_mode=oct(st.st_mode & 0o777), defaults_owner=st.st_uid,
    health=call("/health", auth=False)[0], anonymous=call("/api/v1/query?query=up", auth=False)[0],
    written=written[0], queried=queried,
    cert=subprocess.run(["openssl", "x509", "-in", "/etc/victoria-metrics/tls/victoriametrics.crt", "-noout",
                         "-ext", "subjectAltName"], capture_output=True, text=True).stdout,
)))
"""


@pytest.fixture(scope="module")
def state(host):
    return json.loads(host.check_output("python3 -c %s", GATHER))


def test_service_running_and_enabled(state):
    assert state["props"]["ActiveState"] == "active"
    assert state["props"]["UnitFileState"] == "enabled"


@pytest.mark.parametrize(
    "flag",
    [
        "-httpListenAddr=0.0.0.0:8428",
        "-storageDataPath=/var/lib/victoria-metrics",
        "-retentionPeriod=100y",
        "-dedup.minScrapeInterval=15s",
        "-tls",
        "-envflag.enable",
    ],
)
def test_flags_running(state, flag):
    assert flag in state["cmdline"]


def test_the_password_is_in_no_command_line_and_its_file_is_root_only(state):
    assert not any(PASSWORD in arg for arg in state["cmdline"])
    assert {"ARGS", "httpAuth_username", "httpAuth_password"} == set(state["env_names"])  # read with -envflag.enable
    assert (state["defaults_mode"], state["defaults_owner"]) == ("0o600", 0)


@pytest.mark.parametrize(
    ("prop", "value"),
    [("User", "_victoria-metrics"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"), ("NoNewPrivileges", "yes")],
)
def test_hardened(state, prop, value):
    assert state["props"][prop] == value
    assert "/var/lib/victoria-metrics" in state["props"]["ReadWritePaths"]


def test_https_with_basic_auth_and_a_sample_written_then_read(state):
    assert state["health"] == 200
    assert state["anonymous"] == 401
    assert state["written"] == 204
    status, body = state["queried"]
    assert status == 200
    (sample,) = json.loads(body)["data"]["result"]
    assert sample["metric"] == {"__name__": "airdrops_molecule_probe", "bot_id": "b1"} and sample["value"][1] == "42"


def test_the_certificate_names_the_host(state):
    assert re.search(r"IP Address:127\.0\.0\.1", state["cert"])
