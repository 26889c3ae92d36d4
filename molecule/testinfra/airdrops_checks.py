"""Checks the molecule scenarios share, for their testinfra tests.

The verifier puts this folder on PYTHONPATH (.config/molecule/config.yml):

    from airdrops_checks import HARDENED, read_warehouse, run_probe, unit_mismatches, unit_properties
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PROBE_DIR = "/tmp/airdrops-probe"
_PROBE_HELPERS = Path(__file__).with_name("probe_helpers.py")

#: What every service unit of the roles has (roles/README.md, Conventions), as `systemctl show` says it.
HARDENED = {"ProtectSystem": "strict", "PrivateTmp": "yes", "NoNewPrivileges": "yes"}

# Opens a DuckDB warehouse read-only, retrying while the ETL holds its lock, and prints the rows
# of each query as JSON.
_READ_WAREHOUSE = """
import duckdb, json, sys, time
for attempt in range(60):
    try:
        con = duckdb.connect(sys.argv[1], read_only=True)
        break
    except duckdb.IOException:
        time.sleep(1)
else:
    raise SystemExit("warehouse locked for 60 s")
queries = json.loads(sys.argv[2])
print(json.dumps({name: con.execute(sql).fetchall() for name, sql in queries.items()}, default=str))
"""


def unit_properties(host: Any, unit: str, names: Iterable[str]) -> dict[str, str]:
    """The properties `names` of a systemd unit, as `systemctl show` gives them."""
    out = host.check_output("systemctl show %s -p %s", unit, ",".join(names))
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def unit_mismatches(host: Any, unit: str, expected: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """The properties of a systemd unit that differ from `expected`: name -> (found, expected)."""
    found = unit_properties(host, unit, expected)
    return {name: (found.get(name), want) for name, want in expected.items() if found.get(name) != want}


def read_warehouse(host: Any, python: str, path: str, queries: dict[str, str]) -> dict[str, list[list[Any]]]:
    """The rows of each query on the DuckDB warehouse at `path`, read with the app's own `python`."""
    return json.loads(host.check_output("%s -c %s %s %s", python, _READ_WAREHOUSE, path, json.dumps(queries)))


def run_probe(host: Any, probe: Path, *args: str) -> Any:
    """Runs a scenario's probe script inside `host`, beside probe_helpers.py, and returns the JSON it prints."""
    host.run("mkdir -p %s", PROBE_DIR)
    for source in (_PROBE_HELPERS, probe):
        # base64: the command passes through Ansible's own quoting, which a quote in the script would break
        encoded = base64.b64encode(source.read_bytes()).decode()
        host.check_output("echo %s | base64 -d > %s", encoded, f"{PROBE_DIR}/{source.name}")
    out = host.run("python3" + " %s" * (1 + len(args)), f"{PROBE_DIR}/{probe.name}", *args)  # each quoted alone
    assert out.rc == 0, out.stderr
    return json.loads(out.stdout)
