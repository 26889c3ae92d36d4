"""Preflight checks run on this machine, as Ansible runs them before anything is installed or restarted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


EXPOSURE_PLAY = """
- hosts: localhost
  connection: local
  become: false
  gather_facts: false
  vars:
    refused: []
  tasks:
    - ansible.builtin.include_tasks: case.yml
      loop: "{{ cases }}"
      loop_control: {loop_var: case}
    - ansible.builtin.copy: {content: "{{ refused | to_json }}", dest: "{{ out }}", mode: "0600"}
"""
EXPOSURE_CASE = """
- block:
    - ansible.builtin.include_role:
        name: airdrops_common
        tasks_from: exposure
      vars:
        airdrops_common_exposure_prefix: node_exporter_web
        airdrops_common_exposure_address: "{{ case.address }}"
        airdrops_common_exposure_tls: "{{ case.tls | default(false) }}"
        airdrops_common_exposure_auth: "{{ case.auth | default(false) }}"
        airdrops_common_exposure_allow: "{{ case.allow | default(false) }}"
  rescue:
    - ansible.builtin.set_fact:
        refused: "{{ refused + [[case.name, ansible_failed_result.msg]] }}"
"""


def _play_cases(tmp_path: Path, play: str, case: str, cases: list[dict]) -> Any:
    """Runs `case` once per entry of `cases` on localhost; what the play wrote to its `out` file."""
    (tmp_path / "play.yml").write_text(play)
    (tmp_path / "case.yml").write_text(case)
    variables = {"cases": cases, "out": str(tmp_path / "out.json")}
    out = run([str(BIN / "ansible-playbook"), "-i", "localhost,", str(tmp_path / "play.yml"),
               "-e", json.dumps(variables), "-e", "ansible_python_interpreter=" + str(BIN / "python")],
              timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:]
    return json.loads((tmp_path / "out.json").read_text())


def test_a_listener_on_the_network_needs_tls_and_basic_auth_or_an_explicit_yes(tmp_path):
    cases = [
        {"name": "loopback", "address": "127.0.0.1:9100"},
        {"name": "loopback6", "address": "[::1]:9100"},
        {"name": "localhost", "address": "localhost:9100"},
        {"name": "all", "address": "0.0.0.0:9100"},
        {"name": "empty host", "address": ":9100"},
        {"name": "lan, tls only", "address": "10.0.0.5:9100", "tls": True},
        {"name": "lan, auth only", "address": "10.0.0.5:9100", "auth": True},
        {"name": "lan, both", "address": "10.0.0.5:9100", "tls": True, "auth": True},
        {"name": "all, accepted", "address": "0.0.0.0:9100", "allow": True},
        {"name": "all6", "address": "[::]:9100"},
    ]
    refused = dict(_play_cases(tmp_path, EXPOSURE_PLAY, EXPOSURE_CASE, cases))
    assert sorted(refused) == ["all", "all6", "empty host", "lan, auth only", "lan, tls only"]
    assert "has no TLS and no basic auth" in refused["all"]
    assert "has no basic auth." in refused["lan, tls only"] and "has no TLS." in refused["lan, auth only"]
    assert "node_exporter_web_allow_insecure: true" in refused["all"]


CLUSTER_CASE = """
- block:
    - ansible.builtin.include_role:
        name: alertmanager
        tasks_from: preflight
      vars:
        alertmanager_config: {route: {receiver: x}, receivers: [{name: x}]}
        alertmanager_cluster_listen_address: "{{ case.vars.alertmanager_cluster_listen_address | default('') }}"
        alertmanager_cluster_allow_insecure: "{{ case.vars.alertmanager_cluster_allow_insecure | default(false) }}"
        alertmanager_cluster_tls_generate: "{{ case.vars.alertmanager_cluster_tls_generate | default(false) }}"
        alertmanager_cluster_tls_ca_dir: "{{ case.vars.alertmanager_cluster_tls_ca_dir | default('') }}"
        alertmanager_cluster_tls_cert: "{{ case.vars.alertmanager_cluster_tls_cert | default('') }}"
        alertmanager_cluster_tls_key: "{{ case.vars.alertmanager_cluster_tls_key | default('') }}"
    - ansible.builtin.set_fact:
        flags: "{{ flags | combine({case.name: _alertmanager_args}) }}"
  rescue:
    - ansible.builtin.set_fact:
        refused: "{{ refused + [[case.name, ansible_failed_result.msg]] }}"
"""


def test_an_alertmanager_cluster_port_on_the_network_needs_mutual_tls_or_an_explicit_yes(tmp_path):
    lan = {"alertmanager_cluster_listen_address": "10.0.0.5:9094"}
    cases = [
        {"name": "off", "vars": {}},
        {"name": "loopback", "vars": {"alertmanager_cluster_listen_address": "127.0.0.1:9094"}},
        {"name": "lan", "vars": lan},
        {"name": "lan, accepted", "vars": lan | {"alertmanager_cluster_allow_insecure": True}},
        {
            "name": "lan, generated",
            "vars": lan | {"alertmanager_cluster_tls_generate": True, "alertmanager_cluster_tls_ca_dir": "/ca"},
        },
        {"name": "lan, generated without a CA", "vars": lan | {"alertmanager_cluster_tls_generate": True}},
        {
            "name": "lan, given without a CA",
            "vars": lan | {"alertmanager_cluster_tls_cert": "C", "alertmanager_cluster_tls_key": "K"},
        },
    ]
    play = EXPOSURE_PLAY.replace("gather_facts: false", "gather_facts: true\n  gather_subset: [min]")
    play = play.replace("refused: []", "refused: []\n    flags: {}")
    play = play.replace("{{ refused | to_json }}", "{{ {'refused': refused, 'flags': flags} | to_json }}")
    result = _play_cases(tmp_path, play, CLUSTER_CASE, cases)
    refused = dict(result["refused"])
    assert sorted(refused) == ["lan", "lan, generated without a CA", "lan, given without a CA"]
    assert "10.0.0.5:9094 is reachable from the network but has no TLS." in refused["lan"]
    assert "mutual TLS" in refused["lan"] and "alertmanager_cluster_allow_insecure: true" in refused["lan"]
    assert "needs a CA" in refused["lan, generated without a CA"] == refused["lan, given without a CA"]
    tls_flags = [flag for flag in result["flags"]["lan, generated"] if flag.startswith("--cluster.tls-config=")]
    assert tls_flags == ["--cluster.tls-config=/etc/prometheus/alertmanager-cluster-tls.yml"]
    assert not any(flag.startswith("--cluster.tls-config") for flag in result["flags"]["lan, accepted"])
