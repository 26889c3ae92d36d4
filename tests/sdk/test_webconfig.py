"""The /metrics endpoint behind TLS and basic auth, from a web configuration in Prometheus' format."""

from __future__ import annotations

import subprocess
import warnings

import bcrypt
import pytest
import requests

from airdrops.monitoring import metrics


@pytest.fixture
def tls(tmp_path):
    """A self-signed certificate for 127.0.0.1: (cert, key)."""
    cert, key = tmp_path / "bot.crt", tmp_path / "bot.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _web_config(path, cert=None, key=None, users=None):
    lines = []
    if cert:
        lines += ["tls_server_config:", f"  cert_file: {cert}", f"  key_file: {key}"]
    if users:
        lines += ["basic_auth_users:"]
        lines += [f"  {u}: '{bcrypt.hashpw(p.encode(), bcrypt.gensalt(rounds=4)).decode()}'" for u, p in users.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_tls_and_basic_auth_protect_the_endpoint(sdk, tls, tmp_path):
    cert, key = tls
    handle = sdk(web_config_file=_web_config(tmp_path / "web.yml", cert, key, {"prometheus": "s3cret"}))
    metrics.scheduler_job_missed.add(2, job_name="web")
    url = handle.metrics_url
    assert url.startswith("https://127.0.0.1:")
    assert requests.get(url, verify=str(cert), timeout=5).status_code == 401
    assert requests.get(url, verify=str(cert), auth=("prometheus", "wrong"), timeout=5).status_code == 401
    assert requests.get(url, verify=str(cert), auth=("nobody", "s3cret"), timeout=5).status_code == 401
    for _ in range(3):  # the second and third are answered from the verified-pairs cache
        ok = requests.get(url, verify=str(cert), auth=("prometheus", "s3cret"), timeout=5)
        assert ok.status_code == 200 and 'job_name="web"} 2.0' in ok.text
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url.replace("https://", "http://"), timeout=5)  # no plain HTTP on a TLS port


def test_basic_auth_alone_over_http(sdk, tmp_path):
    handle = sdk(web_config_file=_web_config(tmp_path / "web.yml", users={"prometheus": "pw"}))
    assert handle.metrics_url.startswith("http://")
    assert requests.get(handle.metrics_url, timeout=5).status_code == 401
    assert requests.get(handle.metrics_url, auth=("prometheus", "pw"), timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n", "TLS files"),
        ("tls_server_config:\n  cert_file: /x.crt\n", "needs cert_file and key_file"),
        ("basic_auth_users:\n  prometheus: plain-password\n", "bcrypt hash"),
        ("tls_server_config: {}\nbasic_auth: {}\n", "unknown fields ['basic_auth']"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3\n", "min_version is one of"),
        ("a: [unclosed\n", "cannot be read"),
    ],
)
def test_a_web_config_it_cannot_use_means_no_endpoint_never_an_open_one(sdk, tmp_path, text, fragment):
    (tmp_path / "web.yml").write_text(text)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        handle = sdk(web_config_file=str(tmp_path / "web.yml"))
    assert handle.metrics_url is None
    assert fragment in handle.endpoint_error and "never served unprotected" in handle.endpoint_error


def test_a_silent_client_does_not_block_the_endpoint(sdk, tls, tmp_path):
    import socket

    cert, key = tls
    handle = sdk(web_config_file=_web_config(tmp_path / "web.yml", cert, key))
    port = int(handle.metrics_url.rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port)):  # connects, never says hello
        assert requests.get(handle.metrics_url, verify=str(cert), timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("  client_ca_file: {cert}\n", "client_ca_file needs a client_auth_type"),
        ("  min_version: [TLS12]\n", "values are strings"),
    ],
)
def test_tls_settings_that_would_check_nothing_are_refused(sdk, tls, tmp_path, extra, fragment):
    cert, key = tls
    path = tmp_path / "web.yml"
    path.write_text(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n" + extra.format(cert=cert))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        handle = sdk(web_config_file=str(path))
    assert handle.metrics_url is None and fragment in handle.endpoint_error


def test_a_password_bcrypt_cannot_take_is_a_401_and_a_broken_hash_is_refused(sdk, tmp_path):
    handle = sdk(web_config_file=_web_config(tmp_path / "web.yml", users={"prometheus": "pw"}))
    assert requests.get(handle.metrics_url, auth=("prometheus", "x" * 100), timeout=5).status_code == 401
    (tmp_path / "bad.yml").write_text("basic_auth_users:\n  prometheus: '$2b$garbage'\n")
    from airdrops.monitoring._internal import webconfig

    with pytest.raises(webconfig.WebConfigError, match="not a bcrypt hash"):
        webconfig.load(str(tmp_path / "bad.yml"))


def test_the_command_line_check_the_roles_run_before_installing_a_file(tls, tmp_path):
    import sys

    check = [sys.executable, "-m", "airdrops.monitoring._internal.webconfig"]
    good = _web_config(tmp_path / "good.yml", *tls, users={"prometheus": "pw"})
    (tmp_path / "bad.yml").write_text("basic_auth_users:\n  prometheus: plain-password\n")
    ok = subprocess.run([*check, good], capture_output=True, text=True)
    bad = subprocess.run([*check, str(tmp_path / "bad.yml")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert bad.returncode == 1 and "bcrypt hash" in bad.stderr and "Traceback" not in bad.stderr
