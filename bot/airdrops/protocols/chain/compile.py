"""Compile the bundled Vyper contracts, cached on disk by source hash."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from airdrops.protocols.chain._cache import cache_root

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
_OUTPUTS = ("abi", "bytecode")


@dataclass(frozen=True)
class CompiledContract:
    """ABI and deployment bytecode (0x-prefixed hex) of one contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def default_cache_dir() -> Path:
    """`<cache root>/contracts`; the root is `$AIRDROPS_CACHE_DIR` or `.cache` in the project."""
    return cache_root() / "contracts"


def compile_contract(path: Path, *, cache_dir: Path | None = None) -> CompiledContract:
    """Compile one .vy file, or load it from the cache if this source was compiled before."""
    source = path.read_text()
    # The compiler version is in the key: a new vyper must not reuse old bytecode.
    key_material = f"vyper {version('vyper')}\n{','.join(_OUTPUTS)}\n{source}"
    digest = hashlib.sha256(key_material.encode()).hexdigest()[:24]
    cache_dir = cache_dir or default_cache_dir()
    cached = cache_dir / f"{path.stem}-{digest}.json"
    if cached.is_file():
        data = json.loads(cached.read_text())
        return CompiledContract(name=path.stem, abi=data["abi"], bytecode=data["bytecode"])

    import vyper  # slow to import; only needed on a cache miss

    output = vyper.compile_code(source, contract_path=str(path), output_formats=list(_OUTPUTS))
    bytecode = output["bytecode"]
    if not bytecode.startswith("0x"):
        bytecode = "0x" + bytecode
    compiled = CompiledContract(name=path.stem, abi=output["abi"], bytecode=bytecode)
    _write_atomically(cached, {"abi": compiled.abi, "bytecode": compiled.bytecode})
    return compiled


def compile_all(*, cache_dir: Path | None = None) -> dict[str, CompiledContract]:
    """Every contract in `CONTRACTS_DIR`, by name (`"AirdropToken"`, `"SwapPool"`, ...)."""
    return {path.stem: compile_contract(path, cache_dir=cache_dir) for path in sorted(CONTRACTS_DIR.glob("*.vy"))}


def _write_atomically(target: Path, data: dict[str, Any]) -> None:
    # Parallel test workers may compile the same contract; a rename never leaves half a file.
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, target)
