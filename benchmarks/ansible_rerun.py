"""The one-host inventory's second run (zero changes), Mitogen against Ansible's own strategy.

Boots the `ansible/molecule/one_host` container and converges it once (the time of a first run on a
fresh container), then runs `ansible-playbook -i <inventory> ansible/site.yml` with the repository's
ansible.cfg again and again, alternating:

(a) Ansible's linear strategy, what a user without Mitogen runs, reaching the container through
    nsenter, the cheapest transport Ansible has here (a fresh Python on the host per module call);
(b) ansible.cfg's default, Mitogen's linear strategy through its podman transport.

Every run must report changed=0. The containers are destroyed at the end whatever happens.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "ansible" / "molecule" / "one_host" / "molecule.yml"
PREFIX = "airdrops-bench"
HOST = f"{PREFIX}-one-host"
ROUNDS = 3
RECAP = re.compile(r"ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=\d+")


def env() -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{out.get('PATH', '')}",
        CONTAINERS_CONF=str(ROOT / "molecule" / "containers.conf"),
        AIRDROPS_REPO=str(ROOT),
        AIRDROPS_MOLECULE_PREFIX=PREFIX,
        ANSIBLE_CONFIG=str(ROOT / "ansible" / "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="false",
    )
    return out


def molecule(step: str) -> float:
    start = time.monotonic()
    out = subprocess.run([str(ROOT / "molecule" / "run"), "ansible", step, "-s", "one_host"], env=env(),
                         capture_output=True, text=True)  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"molecule {step} failed:\n{out.stdout[-6000:]}\n{out.stderr[-3000:]}")
    return time.monotonic() - start


def inventory(path: Path, connection: dict[str, object]) -> Path:
    """The scenario's groups and variables, for HOST reached through `connection`."""
    scenario = yaml.safe_load(SCENARIO.read_text())
    groups = scenario["platforms"][0]["groups"]
    data = {
        "all": {
            "vars": scenario["provisioner"]["inventory"]["group_vars"]["all"],
            "children": {group: {"hosts": {HOST: connection}} for group in groups},
        }
    }
    path.write_text(yaml.safe_dump(data))
    return path


def container_pid() -> int:
    out = subprocess.run(["podman", "container", "inspect", "--format", "{{.State.Pid}}", HOST], env=env(),
                         capture_output=True, text=True, check=True)  # fmt: skip
    return int(out.stdout.strip())


def second_run(inv: Path, strategy: str, facts: Path) -> float:
    """Seconds of one `ansible-playbook` run, which must change nothing."""
    # Facts cached for an earlier container of the same name would be stale: this run's cache only.
    run_env = {**env(), "ANSIBLE_STRATEGY": strategy, "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(facts)}
    start = time.monotonic()
    out = subprocess.run(["ansible-playbook", "-i", str(inv), str(ROOT / "ansible" / "site.yml")],
                         env=run_env, capture_output=True, text=True)  # fmt: skip
    took = time.monotonic() - start
    recap = RECAP.search(out.stdout)
    if out.returncode != 0 or recap is None:
        raise RuntimeError(f"{strategy} run failed:\n{out.stdout[-6000:]}\n{out.stderr[-3000:]}")
    if recap.group(1) != "0":
        raise RuntimeError(f"the second run changed something ({strategy}): {recap.group(0)}")
    return took


def main() -> None:
    console = Console(width=120)
    work = Path(tempfile.mkdtemp(prefix="airdrops-bench-ansible-"))
    times: dict[str, list[float]] = {"linear": [], "mitogen_linear": []}
    try:
        molecule("destroy")
        with console.status("booting the one-host container"):
            molecule("create")
            molecule("prepare")
        with console.status("first run on a fresh container (molecule converge, Mitogen)"):
            first = molecule("converge")
        console.print(f"first run on a fresh container: {first:.0f} s")
        plain = inventory(work / "nsenter.yml", {"ansible_connection": "community.docker.nsenter",
                                                 "ansible_nsenter_pid": container_pid()})  # fmt: skip
        fast = inventory(work / "podman.yml", {"ansible_connection": "podman"})
        for round_ in range(1, ROUNDS + 1):
            for strategy, inv in (("linear", plain), ("mitogen_linear", fast)):
                with console.status(f"round {round_}/{ROUNDS}: second run, {strategy}"):
                    times[strategy].append(second_run(inv, strategy, work / "facts"))
    finally:
        molecule("destroy")
        shutil.rmtree(work, ignore_errors=True)

    table = Table(title="one-host inventory, second run of site.yml with zero changes (one run, ratios matter)")
    for col in ("strategy", "runs (s)", "median (s)", "vs (a)"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    base = statistics.median(times["linear"])
    for label, key in (
        ("(a) Ansible linear, nsenter", "linear"),
        ("(b) Mitogen linear (ansible.cfg)", "mitogen_linear"),
    ):
        median = statistics.median(times[key])
        table.add_row(label, ", ".join(f"{t:.0f}" for t in times[key]), f"{median:.1f}", f"{base / median:.1f}x")
    console.print(table)
    goal = statistics.median(times["mitogen_linear"])
    console.print(
        f"second run: {goal:.0f} s with ansible.cfg's default (goal under 60 s), {base:.0f} s without Mitogen"
    )


if __name__ == "__main__":
    sys.exit(main())
