"""The roles' own Jinja plugins, called as Ansible calls them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from passlib.hash import bcrypt

from .conftest import ROOT


def _plugin(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"_airdrops_plugin_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_stored_hash_is_kept_only_while_the_password_matches() -> None:
    keep = (
        _plugin(ROOT / "roles/airdrops_common/filter_plugins/web_passwords.py").FilterModule().filters()["bcrypt_keep"]
    )
    stored = bcrypt.using(rounds=4).hash("s3cret")
    assert keep("s3cret", stored) == stored
    assert keep("changed", stored) == ""
    assert keep("s3cret", None) == keep("s3cret", "") == keep("s3cret", "$2b$broken") == ""


@pytest.mark.parametrize(
    ("entry", "open_"),
    [("0.0.0.0/0", True), ("0.0.0.0/1", True), ("11.0.0.0/8", True), ("8.8.0.0/16", True), ("2000::/3", True),
     ("10.0.0.0/8", False), ("172.16.0.0/12", False), ("203.0.113.0/24", False), ("198.51.100.9", False),
     ("fd00::/8", False), ("db.internal", False)],
)  # fmt: skip
def test_world_open_networks(entry: str, open_: bool) -> None:
    world_open = _plugin(ROOT / "roles/postgresql/test_plugins/networks.py").TestModule().tests()["world_open"]
    assert world_open(entry) is open_
