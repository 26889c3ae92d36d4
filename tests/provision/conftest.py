"""Ansible roles and playbooks: static checks and molecule scenarios in podman containers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.provision)


def ansible_env() -> dict[str, str]:
    """The environment the Ansible tools need: the venv first on PATH (molecule calls them by name)."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible" / "ansible.cfg")
    env.setdefault("ANSIBLE_LOCAL_TEMP", "/tmp/airdrops-ansible-local")
    return env


def run(cmd: list[str], *, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=ansible_env(), capture_output=True, text=True, timeout=timeout)
