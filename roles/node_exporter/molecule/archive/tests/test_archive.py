"""node_exporter from a release archive: own hardened unit and user, links into /opt, metrics.

One module-scoped fixture reads everything in one call (each call is an Ansible round trip).
"""

import json

import pytest

UNIT = "node_exporter"
PROPS = "ActiveState,UnitFileState,MainPID,User,ProtectSystem,ProtectHome,PrivateTmp,NoNewPrivileges,FragmentPath"
GATHER = f"""
import base64, grp, json, os, ssl, subprocess, urllib.error, urllib.request
show = subprocess.run(["systemctl", "show", "-p", "{PROPS}", "{UNIT}"], capture_output=True, text=True).stdout
props = dict(line.split("=", 1) for line in show.splitlines() if "=" in line)
with open("/proc/%s/cmdline" % props["MainPID"]) as f:
    cmdline = f.read().split(chr(0))
pkg = subprocess.run(["dpkg-query", "-W", "-f=${{Status}}", "prometheus-node-exporter"],
                     capture_output=True, text=True).stdout
listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout.split()
links = {{p: os.path.realpath(p) if os.path.islink(p) else None
         for p in ["/usr/local/bin/node_exporter", "/srv/node_exporter"]}}
tls = ssl.create_default_context(cafile="/etc/node_exporter/tls/node_exporter.crt")
tls.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # the self-signed certificate is its own anchor
def status(url, password=None):
    request = urllib.request.Request(url)
    if password:
        token = base64.b64encode(("prometheus:" + password).encode()).decode()
        request.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(request, timeout=10, context=tls) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except urllib.error.URLError as exc:
        return str(exc.reason), ""
code, metrics = status("https://127.0.0.1:9100/metrics", "molecule-node-Secret-1")
web = dict(ok=code, anonymous=status("https://127.0.0.1:9100/metrics")[0],
           wrong=status("https://127.0.0.1:9100/metrics", "wrong")[0],
           plain=status("http://127.0.0.1:9100/metrics")[0],
           web_yml=open("/etc/node_exporter/web.yml").read(),
           modes={{p: oct(os.stat(p).st_mode & 0o777) + " " + grp.getgrgid(os.stat(p).st_gid).gr_name for p in
                  ["/etc/node_exporter/web.yml", "/etc/node_exporter/tls/node_exporter.key"]}})
print(json.dumps(dict(props=props, cmdline=cmdline, pkg=pkg, listening=listening, links=links,
                      metrics=metrics, web=web)))
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


def test_the_network_listener_takes_tls_and_basic_auth_only(state):
    web = state["web"]
    assert web["ok"] == 200
    assert web["anonymous"] == 401 and web["wrong"] == 401
    assert web["plain"] != 200  # plain HTTP to a TLS listener gets no metrics
    assert "--web.config.file=/etc/node_exporter/web.yml" in state["cmdline"]
    assert "molecule-node-Secret-1" not in web["web_yml"] and "$2" in web["web_yml"]  # a bcrypt hash only


def test_the_key_is_readable_by_root_and_its_group_only(state):
    # node_exporter's own group, not the `prometheus` one Prometheus' own files belong to.
    assert set(state["web"]["modes"].values()) == {"0o640 node-exporter"}
