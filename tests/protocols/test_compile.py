import json
import shutil
from pathlib import Path

from airdrops.protocols.chain.compile import CONTRACTS_DIR, compile_all, compile_contract

EXPECTED = {"AirdropToken", "BridgeEscrow", "Distributor", "LendingVault", "SwapPool"}


def test_compile_all_writes_one_cache_file_per_contract(tmp_path: Path) -> None:
    compiled = compile_all(cache_dir=tmp_path)

    assert set(compiled) == EXPECTED
    assert all(c.bytecode.startswith("0x") and len(c.bytecode) > 100 for c in compiled.values())
    assert {p.name.split("-")[0] for p in tmp_path.glob("*.json")} == EXPECTED


def test_second_compile_reads_the_cache(tmp_path: Path) -> None:
    source = CONTRACTS_DIR / "Distributor.vy"
    first = compile_contract(source, cache_dir=tmp_path)
    (cached,) = tmp_path.glob("Distributor-*.json")
    # Mark the cached entry: if the second call recompiled, the mark would be gone.
    data = json.loads(cached.read_text())
    data["abi"] = [*data["abi"], {"type": "event", "name": "FromCache", "inputs": []}]
    cached.write_text(json.dumps(data))

    second = compile_contract(source, cache_dir=tmp_path)

    assert second.bytecode == first.bytecode
    assert second.abi[-1]["name"] == "FromCache"


def test_changed_source_gets_a_new_cache_entry(tmp_path: Path) -> None:
    copy = tmp_path / "src" / "Distributor.vy"
    copy.parent.mkdir()
    shutil.copy(CONTRACTS_DIR / "Distributor.vy", copy)
    compile_contract(copy, cache_dir=tmp_path / "cache")
    copy.write_text(copy.read_text() + "\n# a comment changes the hash\n")

    compile_contract(copy, cache_dir=tmp_path / "cache")

    assert len(list((tmp_path / "cache").glob("Distributor-*.json"))) == 2
