"""Small shared sample cases for the ETL tests: event lines, and what a log should load as."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any

from airdrops.monitoring import event_schema

_EXACT = Context(prec=80)
TABLES = {
    "transaction": "transactions",
    "claim": "claims",
    "allocation": "allocations",
    "risk_breach": "risk_breaches",
    "portfolio_snapshot": "portfolio_snapshots",
    "price": "prices",
}


def event(event_type: str, **fields: Any) -> dict[str, Any]:
    """A valid event of `event_type`; `fields` override the defaults."""
    base: dict[str, Any] = {
        "schema": event_schema.SCHEMA,
        "event_id": uuid.uuid4().hex,
        "ts": "2025-01-02T03:04:05.678Z",
        "type": event_type,
        "bot_id": "bot-a",
    }
    defaults: dict[str, dict[str, Any]] = {
        "price": {"token": "ETH", "price_usd": "3000.5", "source": "test"},
        "claim": {
            "chain": "base", "protocol": "morpho", "airdrop": "morpho-s1", "wallet": "0xabc", "outcome": "success",
            "reason": "none", "amount": "10", "token": "MORPHO", "value_usd": "25.5", "tx_hash": "0x01",
            "gas_used": 70000, "gas_price_wei": 1_000_000_000, "fee_native": "0.00007", "fee_usd": "0.21",
        },
        "transaction": {
            "chain": "base", "protocol": "morpho", "action": "lend", "wallet": "0xabc", "outcome": "success",
            "gas_used": 150000, "gas_price_wei": 2_000_000_000, "fee_native": "0.0003", "fee_usd": "0.9",
        },
        "allocation": {"protocol": "morpho", "action": "deposit", "amount_usd": "1000"},
        "risk_breach": {"rule": "max_drawdown", "value": "0.2", "limit": "0.1", "severity": "critical"},
        "portfolio_snapshot": {
            "snapshot_id": "s1", "wallet": "0xabc", "chain": "base", "token": "ETH", "amount": "1", "value_usd": "3000",
        },
    }  # fmt: skip
    return {**base, **defaults.get(event_type, {}), **fields}


def line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


def write(path: Path, records: list[dict[str, Any]], mode: str = "w") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode, encoding="utf-8") as f:
        f.writelines(line(r) for r in records)


def expected(directory: Path) -> tuple[Counter[str], dict[str, Decimal]]:
    """Distinct valid events per table, and the sums of fee_usd / value_usd per table, read from the files."""
    seen: set[str] = set()
    counts: Counter[str] = Counter()
    sums: dict[str, Decimal] = {}
    for path in sorted(directory.rglob("*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(text)
            except ValueError:
                continue
            if event_schema.validate(record) or record["event_id"] in seen:
                continue
            seen.add(record["event_id"])
            table = TABLES[record["type"]]
            counts[table] += 1
            for col in ("fee_usd", "value_usd"):
                if record.get(col) is not None:
                    q = Decimal(record[col]).quantize(Decimal("1e-18"), rounding=ROUND_HALF_UP)
                    sums[f"{table}.{col}"] = _EXACT.add(sums.get(f"{table}.{col}", Decimal(0)), q)
    return counts, sums
