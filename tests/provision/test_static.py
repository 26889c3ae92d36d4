"""Static checks of the roles and playbooks: lint, syntax, and docs that cannot drift from the defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .conftest import BIN, ROOT, run

ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir())
SERVICE_ROLES = [r for r in ROLES if r != "airdrops_common"]
INVENTORIES = sorted(p for p in (ROOT / "ansible" / "inventories").iterdir() if p.is_dir())


def test_the_issue_roles_exist():
    expected = {"prometheus", "alertmanager", "node_exporter", "grafana", "postgresql"}
    assert expected | {"airdrops_collector", "airdrops_bot"} <= set(ROLES)


def test_ansible_lint_production_profile_is_clean():
    out = run([str(BIN / "ansible-lint"), "--profile", "production", "--offline", "roles", "ansible"], timeout=900)
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-3000:]


@pytest.mark.parametrize("inventory", INVENTORIES, ids=lambda p: p.name)
def test_site_playbook_syntax(inventory: Path):
    out = run([str(BIN / "ansible-playbook"), "-i", str(inventory), "--syntax-check", "ansible/site.yml"])
    assert out.returncode == 0, out.stdout + out.stderr


def _defaults(role: str) -> set[str]:
    data = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    return set(data)


def _spec_options(role: str) -> set[str]:
    spec = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return set(spec["argument_specs"]["main"].get("options", {}))


@pytest.mark.parametrize("role", SERVICE_ROLES)
def test_argument_specs_document_exactly_the_defaults(role: str):
    defaults, spec = _defaults(role), _spec_options(role)
    assert defaults - spec == set(), "defaults missing from meta/argument_specs.yml"
    # Options without a default are the required inputs (passwords): allowed only when marked required.
    options = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options = options["argument_specs"]["main"]["options"]
    extra = {name for name in spec - defaults if not options[name].get("required")}
    assert extra == set(), "argument_specs options without a default that are not required"


@pytest.mark.parametrize("role", SERVICE_ROLES)
def test_readme_documents_every_variable(role: str):
    readme = (ROOT / "roles" / role / "README.md").read_text()
    missing = sorted(v for v in _spec_options(role) if v not in readme)
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_templates_say_they_are_managed(role: str):
    for template in (ROOT / "roles" / role / "templates").glob("**/*.j2"):
        if template.suffix == ".j2" and template.stem.endswith(".json"):
            continue  # JSON has no comments
        assert "ansible_managed" in template.read_text().splitlines()[0], template


@pytest.mark.parametrize("role", SERVICE_ROLES)
def test_every_role_has_a_molecule_scenario(role: str):
    assert (ROOT / "roles" / role / "molecule" / "default" / "molecule.yml").is_file()


def test_internal_variables_follow_the_prefix_convention():
    """roles/README.md: `__<role>_*` only for the role's constants in vars/, `_<role>_*` for what a run works out."""
    import re

    wrong = []
    for role in SERVICE_ROLES:
        root = ROOT / "roles" / role
        constants = set()
        for f in (root / "vars").glob("*.yml"):
            constants |= set(re.findall(rf"^(__{role}_[a-z0-9_]+):", f.read_text(), re.M))
        for f in root.rglob("*"):
            if f.is_file() and f.suffix in (".yml", ".j2", ".py"):
                used = set(re.findall(rf"(?<![_a-z0-9])__{role}_[a-z0-9_]+", f.read_text()))
                wrong += [f"{f.relative_to(ROOT)}: {name}" for name in sorted(used - constants)]
    assert wrong == []


def test_the_hardening_drop_in_is_written_once():
    copies = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "roles").rglob("hardening.conf.j2"))
    assert copies == ["roles/airdrops_common/templates/hardening.conf.j2"]


def test_no_command_line_carries_a_setting_from_the_environment():
    # systemd expands ${VAR} into /proc/PID/cmdline, readable by every local user: URLs with API keys
    # or passwords must reach the programs through their environment (EnvironmentFile) only. Allowed:
    # systemd's own $MAINPID, and $ARGS, the flags the prometheus roles write to /etc/default.
    allowed = {"MAINPID", "ARGS"}
    found = []
    for unit in (ROOT / "roles").rglob("*.service.j2"):
        text = unit.read_text().replace("\\\n", " ")
        for line in text.splitlines():
            if line.startswith("Exec"):
                found += [f"{unit.relative_to(ROOT)}: ${name}" for name in re.findall(r"\$\{?(\w+)", line)
                          if name not in allowed]  # fmt: skip
    assert found == []
