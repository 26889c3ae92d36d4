"""Preflight checks run on this machine, as Ansible runs them before anything is installed or restarted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import BIN, run

PLAY = """
- hosts: localhost
  connection: local
  become: false
  gather_facts: true
  gather_subset: [min]
  tasks:
    - ansible.builtin.include_role:
        name: postgresql
        tasks_from: preflight
"""


def _preflight(tmp_path: Path, allowed: list[str]) -> str:
    (tmp_path / "play.yml").write_text(PLAY)
    variables = {
        "postgresql_etl_password": "x",
        "postgresql_reader_password": "y",
        "postgresql_allowed_clients": allowed,
    }
    out = run([str(BIN / "ansible-playbook"), "-i", "localhost,", str(tmp_path / "play.yml"),
               "-e", json.dumps(variables), "-e", "ansible_python_interpreter=" + str(BIN / "python")],
              timeout=300)  # fmt: skip
    return out.stdout + out.stderr if out.returncode else ""


@pytest.mark.parametrize("entry", ["0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/2", "11.0.0.0/8", "8.8.0.0/16", "2000::/3",
                                   "::/0", "all", "samenet"])  # fmt: skip
def test_an_entry_that_opens_the_warehouse_to_the_world_is_refused(tmp_path, entry):
    failure = _preflight(tmp_path, ["10.0.0.5/32", entry])
    assert "opens the warehouse to the world" in failure, failure[-2000:]


def test_sites_hosts_and_private_networks_pass(tmp_path):
    allowed = ["10.0.0.0/8", "192.168.1.0/24", "203.0.113.7/32", "198.51.100.0/24", "fd00::/8", "db.internal"]
    assert _preflight(tmp_path, allowed) == ""
