"""What the scenarios' probe scripts share; runs inside the containers, so the standard library only.

`airdrops_checks.run_probe` copies this file beside the probe, which imports it:

    from probe_helpers import get, psql, status
"""

import base64
import json
import os
import ssl
import subprocess
import urllib.error
import urllib.request


def _open(url, auth=None, cafile=None):
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    return urllib.request.urlopen(request, timeout=5, context=context)


def get(url, auth=None, cafile=None):
    """The JSON a URL answers (basic auth `auth=(user, password)`, TLS checked against `cafile`),
    or {"error": ...} for the test to report."""
    try:
        with _open(url, auth, cafile) as r:
            return json.load(r)
    except Exception as exc:  # reported to the test
        return {"error": str(exc)}


def status(url, auth=None, cafile=None):
    """The HTTP status a URL answers, or the error's text when there is no HTTP answer."""
    try:
        with _open(url, auth, cafile) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except Exception as exc:  # no HTTP answer: refused, TLS failure, ...
        return type(exc).__name__ + ": " + str(exc)[:200]


def psql(host, user, password, sql, runas=None, sslmode="prefer", rootcert=""):
    """Runs `sql` on the airdrops database: rc, output and the tail of stderr.

    host None connects over the local socket (as `runas`, e.g. postgres for peer authentication);
    `rootcert` is the CA file libpq checks the server against (sslmode verify-ca/verify-full).
    """
    env = dict(os.environ, PGPASSWORD=password or "", PGCONNECT_TIMEOUT="5", PGSSLMODE=sslmode)
    if rootcert:
        env["PGSSLROOTCERT"] = rootcert
    cmd = ["psql", "-d", "airdrops", "-tAc", sql] + (["-h", host, "-U", user] if host else [])
    if runas:
        cmd = ["runuser", "-u", runas, "--", *cmd]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return {"rc": out.returncode, "out": out.stdout.strip(), "err": out.stderr.strip()[-300:]}
