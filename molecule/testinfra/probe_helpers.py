"""What the scenarios' probe scripts share; runs inside the containers, so the standard library only.

`airdrops_checks.run_probe` copies this file beside the probe, which imports it:

    from probe_helpers import get, psql
"""

import json
import os
import subprocess
import urllib.request


def get(url):
    """The JSON a URL answers, or {"error": ...} for the test to report."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)
    except Exception as exc:  # reported to the test
        return {"error": str(exc)}


def psql(host, user, password, sql, runas=None):
    """Runs `sql` on the airdrops database: rc, output and the tail of stderr.

    host None connects over the local socket (as `runas`, e.g. postgres for peer authentication).
    """
    env = dict(os.environ, PGPASSWORD=password or "", PGCONNECT_TIMEOUT="5")
    cmd = ["psql", "-d", "airdrops", "-tAc", sql] + (["-h", host, "-U", user] if host else [])
    if runas:
        cmd = ["runuser", "-u", runas, "--", *cmd]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return {"rc": out.returncode, "out": out.stdout.strip(), "err": out.stderr.strip()[-300:]}
