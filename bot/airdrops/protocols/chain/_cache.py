"""Where the chain layer keeps downloaded and compiled artefacts."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """`$AIRDROPS_CACHE_DIR`, else `.cache` in the project root (nearest `pyproject.toml` up from cwd), else in cwd."""
    env = os.environ.get("AIRDROPS_CACHE_DIR")
    if env:
        return Path(env)
    cwd = Path.cwd()
    for directory in (cwd, *cwd.parents):
        if (directory / "pyproject.toml").is_file():
            return directory / ".cache"
    return cwd / ".cache"
