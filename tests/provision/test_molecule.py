"""Every molecule scenario, in podman containers booting systemd (see molecule/ and .config/molecule).

Each step runs on its own so its time is reported (the issue asks for the one-host converge time and
the second, zero-change run); the containers are destroyed whatever happens. Scenarios can run side
by side (`scenario_runs`, AIRDROPS_MOLECULE_WORKERS).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run

BASE = yaml.safe_load((ROOT / ".config" / "molecule" / "config.yml").read_text())
TIMINGS = ROOT / ".cache" / "molecule" / "timings.json"
#: Scenarios run side by side (AIRDROPS_MOLECULE_WORKERS). One by default: on these 2 cores the
#: scenarios are CPU-bound, and two at a time finished the set only ~10% sooner (34 against 37 min),
#: the whole-stack pair not at all.
WORKERS = int(os.environ.get("AIRDROPS_MOLECULE_WORKERS", "1"))


def _scenarios() -> list[tuple[str, str]]:
    found = []
    for pattern in ("roles/*/molecule/*/molecule.yml", "ansible/molecule/*/molecule.yml"):
        for path in sorted(ROOT.glob(pattern)):
            project = path.parents[2].relative_to(ROOT)
            found.append((str(project), path.parent.name))
    return found


def _sequence(project: str, scenario: str) -> list[str]:
    own = yaml.safe_load((ROOT / project / "molecule" / scenario / "molecule.yml").read_text()) or {}
    steps = (own.get("scenario") or {}).get("test_sequence") or BASE["scenario"]["test_sequence"]
    return [s for s in steps if s != "destroy"]


def _vm_unavailable() -> str | None:
    """Why the `vm` scenario cannot boot its VM with KVM here, or None. A host whose KVM is PVM
    (module kvm_pvm: nested virtualisation without hardware support) boots only PVM guest kernels,
    not Debian's; emulating the CPU instead (AIRDROPS_VM_TCG=1) takes tens of minutes."""
    if os.environ.get("AIRDROPS_VM_TCG") == "1":
        return None
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is missing here"
    if Path("/sys/module/kvm_pvm").is_dir():
        return "this host's KVM is PVM, which cannot boot Debian's kernel (AIRDROPS_VM_TCG=1 emulates the CPU)"
    return None


def _run_scenario(project: str, scenario: str) -> dict[str, float]:
    """Every step of one scenario, each timed; the containers are destroyed whatever happens."""

    def molecule(step: str) -> float:
        start = time.monotonic()
        out = run([str(ROOT / "molecule" / "run"), project, step, "-s", scenario], timeout=1800)
        assert out.returncode == 0, f"molecule {step} failed:\n{out.stdout[-12000:]}\n{out.stderr[-4000:]}"
        return time.monotonic() - start

    timings: dict[str, float] = {}
    if _leftovers(project):  # a run killed earlier; a destroy of nothing costs seconds
        molecule("destroy")
    try:
        for step in _sequence(project, scenario):
            timings[step] = molecule(step)
    finally:
        molecule("destroy")
    return timings


def _leftovers(project: str) -> bool:
    """Whether containers of this project's scenarios exist (molecule/run names them airdrops-<dir>-...)."""
    names = subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True).stdout
    return any(name.startswith(f"airdrops-{Path(project).name}-") for name in names.split())


def _expected_seconds(project: str, scenario: str) -> float:
    """How long a scenario took last time here, or a guess: the whole-stack ones take longest."""
    recorded = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    steps = recorded.get(f"{project}:{scenario}")
    return sum(steps.values()) if steps else (600.0 if project == "ansible" else 100.0)


@pytest.fixture(scope="session")
def scenario_runs(request: pytest.FixtureRequest):
    """Runs the selected scenarios WORKERS at a time (in test order, or longest first when several),
    from the first test that asks.

    Containers, networks and ephemeral directories are named per scenario, and every apt task of the
    roles retries while a neighbour holds the shared package cache's lock, so scenarios can run side
    by side (AIRDROPS_MOLECULE_WORKERS)."""
    wanted = [
        (item.callspec.params["project"], item.callspec.params["scenario"])
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_molecule_scenario"
    ]
    wanted = [pair for pair in wanted if not (pair[1] == "vm" and _vm_unavailable())]
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="molecule")
    if WORKERS > 1:  # longest first, so the last ones left are short
        wanted.sort(key=lambda p: -_expected_seconds(*p))
    runs = {pair: pool.submit(_run_scenario, *pair) for pair in wanted}
    yield runs
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.timeout(3600)
@pytest.mark.parametrize(("project", "scenario"), _scenarios(), ids=lambda v: v)
def test_molecule_scenario(project: str, scenario: str, scenario_runs):
    if scenario == "vm" and (reason := _vm_unavailable()):
        pytest.skip(reason)
    timings = scenario_runs[(project, scenario)].result()
    _record(f"{project}:{scenario}", timings)
    print(f"{project} {scenario}: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))


def _record(key: str, timings: dict[str, float]) -> None:
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[key] = {k: round(v, 1) for k, v in timings.items()}
    TIMINGS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_scenarios_are_found():
    found = _scenarios()
    assert ("roles/prometheus", "default") in found
    assert any(project == "ansible" for project, _ in found), "the full-stack scenarios are missing"
    assert Path(ROOT / "molecule" / "containers.conf").is_file()
