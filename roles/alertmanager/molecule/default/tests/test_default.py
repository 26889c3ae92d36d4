"""Alertmanager from the distribution package, with web TLS (generated) and basic auth.

One module-scoped fixture reads everything in one call (each call is an Ansible round trip).
"""

import json

import pytest
import yaml

UNIT = "prometheus-alertmanager"
PROPS = "ActiveState,UnitFileState,MainPID,User,ProtectSystem,ProtectHome,PrivateTmp,NoNewPrivileges,ReadWritePaths"
GATHER = """
import base64, grp, json, os, pwd, ssl, stat, subprocess, urllib.error, urllib.request
unit, props_list, password = {unit!r}, {props!r}, {password!r}
show = subprocess.run(["systemctl", "show", "-p", props_list, unit], capture_output=True, text=True).stdout
props = dict(line.split("=", 1) for line in show.splitlines() if "=" in line)
with open("/proc/%s/cmdline" % props["MainPID"]) as f:
    cmdline = f.read().split(chr(0))
listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout.split()
ctx = ssl.create_default_context(cafile="/etc/prometheus/alertmanager-tls/alertmanager.crt")

def get(url, user=None, pw=None):
    req = urllib.request.Request(url)
    if user:
        req.add_header("Authorization", "Basic " + base64.b64encode((user + ":" + pw).encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx if url.startswith("https") else None) as r:
            return [r.status, r.read().decode()]
    except urllib.error.HTTPError as e:
        return [e.code, ""]
    except Exception as e:
        return [None, type(e).__name__]

files = {{}}
for path in ["/etc/prometheus/alertmanager.yml", "/etc/prometheus/alertmanager-web.yml",
             "/etc/prometheus/alertmanager-secrets/slack_api_url",
             "/etc/prometheus/alertmanager-tls/alertmanager.key"]:
    st = os.stat(path)
    with open(path) as f:
        files[path] = dict(mode=oct(stat.S_IMODE(st.st_mode)), owner=pwd.getpwuid(st.st_uid).pw_name,
                           group=grp.getgrgid(st.st_gid).gr_name, content=f.read())
storage = "/var/lib/prometheus/alertmanager"
storage_owners = sorted({{pwd.getpwuid(os.stat(os.path.join(storage, name)).st_uid).pw_name
                          for name in [""] + os.listdir(storage)}})
api = "https://127.0.0.1:9093/api/v2/status"
print(json.dumps(dict(
    props=props, cmdline=cmdline, listening=listening, files=files, storage_owners=storage_owners,
    status=get(api, "prometheus", password),
    anonymous=get(api),
    wrong_password=get(api, "prometheus", password + "x"),
    plain_http=get("http://127.0.0.1:9093/api/v2/status", "prometheus", password),
)))
"""


@pytest.fixture(scope="module")
def password(host):
    return host.ansible.get_variables()["alertmanager_test_password"]


@pytest.fixture(scope="module")
def state(host, password):
    script = GATHER.format(unit=UNIT, props=PROPS, password=password)
    return json.loads(host.check_output("python3 -c %s", script))


def test_service_running_and_enabled(state):
    assert state["props"]["ActiveState"] == "active"
    assert state["props"]["UnitFileState"] == "enabled"


def test_listens_on_loopback_without_cluster(state):
    assert "127.0.0.1:9093" in state["listening"]
    assert not any(addr.endswith(":9094") for addr in state["listening"])


@pytest.mark.parametrize(
    "flag",
    [
        "--config.file=/etc/prometheus/alertmanager.yml",
        "--web.listen-address=127.0.0.1:9093",
        "--web.config.file=/etc/prometheus/alertmanager-web.yml",
        "--cluster.listen-address=",
        "--storage.path=/var/lib/prometheus/alertmanager",
    ],
)
def test_running_with_flags(state, flag):
    assert flag in state["cmdline"]


@pytest.mark.parametrize(
    "prop,value",
    [
        ("User", "alertmanager"),  # its own, not the package's `prometheus` shared with Prometheus
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("ReadWritePaths", "/var/lib/prometheus/alertmanager"),
    ],
)
def test_unit_hardened(state, prop, value):
    assert state["props"][prop] == value


def test_api_shows_configured_receivers(state):
    code, body = state["status"]
    assert code == 200, body
    status = json.loads(body)
    assert status["cluster"]["status"] == "disabled"
    names = {r["name"] for r in yaml.safe_load(status["config"]["original"])["receivers"]}
    assert names == {"default", "watchdog", "critical", "warning"}


@pytest.mark.parametrize("attempt", ["anonymous", "wrong_password"])
def test_basic_auth_required(state, attempt):
    assert state[attempt][0] == 401


def test_plain_http_refused(state):
    assert state["plain_http"][0] != 200


def test_web_config_holds_only_a_bcrypt_hash(state, password):
    web = state["files"]["/etc/prometheus/alertmanager-web.yml"]["content"]
    assert "prometheus: $2b$" in web
    assert password not in web


@pytest.mark.parametrize(
    "path,mode",
    [
        ("/etc/prometheus/alertmanager.yml", "0o640"),
        ("/etc/prometheus/alertmanager-web.yml", "0o640"),
        ("/etc/prometheus/alertmanager-secrets/slack_api_url", "0o640"),
        ("/etc/prometheus/alertmanager-tls/alertmanager.key", "0o640"),
    ],
)
def test_secret_bearing_files_private(state, path, mode):
    f = state["files"][path]
    assert (f["mode"], f["owner"], f["group"]) == (mode, "root", "alertmanager")


def test_storage_handed_to_its_own_user(state):
    # The package's first start wrote silences and the notification log as `prometheus`.
    assert state["storage_owners"] == ["alertmanager"]
