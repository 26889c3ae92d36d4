"""Every Python snippet of docs/sdk-guide.md runs as written, against stand-ins only for the bot's
own code (its main loop, a web3 receipt), and does what the guide says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from airdrops import monitoring

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "sdk-guide.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
TX_HASH = bytes.fromhex("11" * 32)


def _bot_code() -> dict[str, object]:
    """What the snippets take from the bot itself: stand-ins, the SDK is the real one."""
    receipt = SimpleNamespace(status=1, transactionHash=TX_HASH, gasUsed=120_000, effectiveGasPrice=2_000_000_000)
    return {
        "run_bot": lambda: None,
        "wallet": SimpleNamespace(address="0x" + "ab" * 20),
        "send_swap": lambda *args, **kwargs: receipt,
        "drawdown": 0.25,
        "limit": 0.2,
    }


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    from airdrops.monitoring._internal.registry import DEFAULT
    from airdrops.monitoring.testing import _fresh
    from tests.conftest import _forget_global_providers

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "1")
    for var in ("OTEL_METRICS_EXPORTER", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED", "AIRDROPS_BOT_ID"):
        monkeypatch.delenv(var, raising=False)

    def reset() -> None:
        handle = monitoring.current()
        if handle is not None:
            handle.shutdown()
        _fresh(DEFAULT)
        DEFAULT.events.enabled = True
        _forget_global_providers()

    reset()
    yield reset
    reset()


def _events(directory: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(directory.glob("*.jsonl")) for line in f.read_text().splitlines()]


def test_the_guide_has_the_snippets_this_test_knows():
    assert len(SNIPPETS) == 7


def test_configure_snippet_prints_where_things_go(fresh, capsys):
    exec(SNIPPETS[0], _bot_code())
    url, events = capsys.readouterr().out.split()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/metrics", url) and events == "events"


def test_exporter_snippet_configures_otlp_and_prometheus(fresh, capsys):
    exec(SNIPPETS[1], _bot_code())
    assert capsys.readouterr().out.split()[-1] == "['otlp']"
    assert monitoring.current().settings["otlp_protocol"] == "grpc"


def test_operations_snippet_records_metrics_and_events(fresh, tmp_path):
    from airdrops.monitoring import metrics

    exec(SNIPPETS[0], _bot_code())  # configured, as a bot would be
    exec(SNIPPETS[2], _bot_code())
    handle = monitoring.current()
    handle.flush()
    events = _events(tmp_path / "events")
    (swap,) = [e for e in events if e["type"] == "transaction"]
    assert swap["tx_hash"] == "0x" + TX_HASH.hex() and swap["protocol_fee_usd"] == "0.3"
    claims = [e for e in events if e["type"] == "claim"]
    assert [(c["outcome"], c["reason"]) for c in claims] == [("success", "none"), ("failure", "not_eligible")]
    assert [e["type"] for e in events if e["type"] in ("risk_breach", "price")] == ["risk_breach", "price"]
    assert {s.attributes.get("protocol") for s in metrics.capital_allocated.series()} == {"aave"}


def test_hot_path_and_declaration_snippets(fresh):
    from airdrops.monitoring import metrics

    earlier = {"monitoring": monitoring, "metrics": metrics}  # imported by the guide's earlier snippets
    exec(SNIPPETS[3], {**_bot_code(), **earlier})
    exec(SNIPPETS[4], {**_bot_code(), **earlier})
    swaps = [s for s in metrics.protocol_tx.series() if s.attributes.get("outcome") == "success"]
    assert [s.value for s in swaps if s.attributes.get("action") == "swap" and s.attributes["chain"] == "base"] == [1]


def test_own_metrics_snippet_lands_in_metrics(fresh):
    import requests

    exec(SNIPPETS[0], _bot_code())
    handle = monitoring.current()
    exec(SNIPPETS[5], {**_bot_code(), "handle": handle})
    page = requests.get(handle.metrics_url, timeout=5).text
    assert any(ln.startswith("quests_completed_total{") and 'campaign="layer3-s2"' in ln for ln in page.splitlines())


def test_the_testing_snippet_passes_under_pytest(fresh, tmp_path):
    bot = (
        "from airdrops import monitoring\n\n\n"
        "def run_one_swap():\n"
        '    with monitoring.track_tx("base", "uniswap", "swap", "0xabc") as tx:\n'
        "        tx.set_result(success=True)\n\n\n"
    )
    (tmp_path / "test_guide_snippet.py").write_text(bot + SNIPPETS[6])
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout[-2000:]
