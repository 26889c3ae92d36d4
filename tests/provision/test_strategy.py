"""The strategy ansible.cfg names: Mitogen's linear strategy when installed, Ansible's own otherwise."""

from __future__ import annotations

import sys

from .conftest import BIN, ROOT, run

# Loads the strategy named in ansible.cfg the way ansible-playbook does and prints its classes.
LOAD = """
import sys
{block}
from ansible import constants as C
from ansible.plugins.loader import strategy_loader
cls = strategy_loader.get(C.DEFAULT_STRATEGY, class_only=True)
print(C.DEFAULT_STRATEGY, *[k.__module__ for k in cls.__mro__])
"""

PLAY = """
- name: Two module calls on the controller
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read a file
      ansible.builtin.stat:
        path: {path}
      register: found
    - name: Check what the first task saw
      ansible.builtin.assert:
        that: found.stat.exists and found.stat.isreg
"""


def _load(block: str = "") -> tuple[str, str]:
    out = run([sys.executable, "-c", LOAD.format(block=block)])
    assert out.returncode == 0, out.stderr
    return out.stdout, out.stderr


def test_ansible_cfg_runs_mitogen_when_it_is_installed():
    stdout, _ = _load()
    name, *modules = stdout.split()
    assert name == "mitogen_linear"
    assert "ansible_mitogen.strategy" in modules
    assert "ansible.plugins.strategy.linear" in modules


def test_without_mitogen_the_run_falls_back_to_linear_and_says_so():
    stdout, stderr = _load("sys.modules['ansible_mitogen'] = None")
    _, *modules = stdout.split()
    assert not any(m.startswith("ansible_mitogen") for m in modules)
    assert "ansible.plugins.strategy.linear" in modules
    assert "mitogen is not installed" in stderr


def test_a_playbook_runs_under_the_configured_strategy(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY.format(path=ROOT / "ansible" / "site.yml"))
    local = ["-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}"]
    out = run([str(BIN / "ansible-playbook"), *local, "-e", "ansible_become=false", str(playbook)])
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok=2" in out.stdout
    assert "mitogen is not installed" not in out.stderr
