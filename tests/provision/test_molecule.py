"""Every molecule scenario, in podman containers booting systemd (see molecule/ and .config/molecule).

Each step runs on its own so its time is reported (the issue asks for the one-host converge time and
the second, zero-change run); the containers are destroyed whatever happens.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run

BASE = yaml.safe_load((ROOT / ".config" / "molecule" / "config.yml").read_text())
TIMINGS = ROOT / ".cache" / "molecule" / "timings.json"


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


@pytest.mark.timeout(2400)
@pytest.mark.parametrize(("project", "scenario"), _scenarios(), ids=lambda v: v)
def test_molecule_scenario(project: str, scenario: str):
    if scenario == "vm" and (reason := _vm_unavailable()):
        pytest.skip(reason)

    def molecule(step: str) -> tuple[float, str]:
        start = time.monotonic()
        out = run([str(ROOT / "molecule" / "run"), project, step, "-s", scenario], timeout=1800)
        took = time.monotonic() - start
        assert out.returncode == 0, f"molecule {step} failed:\n{out.stdout[-12000:]}\n{out.stderr[-4000:]}"
        return took, out.stdout

    timings: dict[str, float] = {}
    molecule("destroy")
    try:
        for step in _sequence(project, scenario):
            timings[step], _ = molecule(step)
    finally:
        molecule("destroy")
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
