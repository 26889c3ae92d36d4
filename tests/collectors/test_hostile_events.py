"""Whatever a bot writes, one line never stops the events stream: it loads, or it is quarantined with
its file:line and a reason, and both backends accept and refuse exactly the same lines."""

from __future__ import annotations

import json

import pytest

from airdrops.collectors.pipeline import run_events
from airdrops.collectors.warehouse import connect
from airdrops.monitoring import event_schema
from tests.collectors.cases import event, line
from tests.servers import Warehouse

KB4 = "x" * 4096


def _with_raw(record: dict[str, object], key: str, raw: str) -> str:
    """`record` as a JSON line whose `key` holds `raw`, JSON text json.dumps would not write."""
    rest = {k: v for k, v in record.items() if k != key}
    return json.dumps(rest)[:-1] + f", {json.dumps(key)}: {raw}}}"


#: name -> (the line, a fragment of the reason it is quarantined for). Deep nesting either exceeds the
#: interpreter's recursion limit or parses (when something raised the limit) and fails the schema.
DEEP = ("nested too deeply", "not a JSON object", "expected a string")
HOSTILE: dict[str, tuple[str, str | tuple[str, ...]]] = {
    "type is a list": (json.dumps(event("price", type=["price"])), "unknown event type ['price']"),
    "nested 10,000 deep": ("[" * 10_000 + "]" * 10_000, DEEP),
    "nested in a field": (_with_raw(event("price"), "token", "[" * 5000 + "]" * 5000), DEEP),
    "ts after 9999 in UTC": (json.dumps(event("price", ts="9999-12-31T23:59:59-01:00")), "outside years 1-9999"),
    "ts before year 1 in UTC": (json.dumps(event("price", ts="0001-01-01T00:00:00+01:00")), "outside years 1-9999"),
    "Arabic-Indic digits": (json.dumps(event("price", price_usd="\u0663\u0660\u0660\u0660")), "not a decimal"),
    "fullwidth digits": (json.dumps(event("price", price_usd="\uff13\uff10\uff10\uff10")), "not a decimal"),
    "4 KB protocol": (json.dumps(event("transaction", protocol=KB4)), "more than 256"),
    "4 KB event_id": (json.dumps(event("price", event_id=KB4)), "more than 256"),
    "4 KB bot_id": (json.dumps(event("price", bot_id=KB4)), "more than 256"),
    "4 KB token": (json.dumps(event("price", token=KB4)), "more than 256"),
    "empty event_id": (json.dumps(event("price", event_id="")), "'event_id': is empty"),
    "negative price": (json.dumps(event("price", price_usd="-1")), "is negative"),
    "negative gas": (json.dumps(event("transaction", gas_used=-5)), "out of range"),
    "NaN gas": (_with_raw(event("transaction"), "gas_used", "NaN"), "expected an integer"),
    "Infinity fee": (_with_raw(event("transaction"), "fee_usd", "Infinity"), "expected a decimal string"),
    "digits beyond Python's limit": (_with_raw(event("transaction"), "gas_used", "9" * 5000), "invalid JSON"),
    "int beyond 64 bits": (json.dumps(event("transaction", gas_used=2**64)), "out of range"),
    "wei beyond 38 digits": (json.dumps(event("transaction", gas_price_wei=10**38)), "out of range"),
    "NUL in text": (json.dumps(event("price", source="a\u0000b")), "NUL"),
    "lone surrogate": (json.dumps(event("price", source="a\ud800b")), "surrogate"),
    "surrogate inside ts": (json.dumps(event("price", ts="2026-01-01\ud80000:00:00Z")), "not an RFC 3339 timestamp"),
    "NUL inside ts": (json.dumps(event("price", ts="2026-01-01\u000000:00:00Z")), "not an RFC 3339 timestamp"),
    "number as type": (json.dumps(event("price", type=7)), "unknown event type 7"),
    "object as event_id": (json.dumps(event("price", event_id={"a": 1})), "expected a string"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_schema_answers_for_every_hostile_record_without_raising(name: str) -> None:
    text, reason = HOSTILE[name]
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        return  # not JSON Python reads: the transform reports it (below), there is no record to validate
    problems = event_schema.validate(record)
    assert any(_says(p, reason) for p in problems), problems


def test_hostile_lines_are_quarantined_and_every_other_line_loads(warehouse: Warehouse, tmp_path) -> None:
    directory = tmp_path / "events"
    directory.mkdir()
    good = [event("price", token=f"T{i}") for i in range(len(HOSTILE) + 1)]
    body = [line(good[0])]
    for (text, _), ok in zip(HOSTILE.values(), good[1:], strict=True):
        body += [text + "\n", line(ok)]
    (directory / "bot-1-x-00000.jsonl").write_text("".join(body), encoding="utf-8", errors="surrogatepass")

    result = run_events(warehouse.url, directory)

    assert result.ok and result.lines == 2 * len(HOSTILE) + 1
    assert (result.loaded, result.quarantined) == (len(good), len(HOSTILE))
    with connect(warehouse.url) as conn:
        reasons = dict(conn.execute("SELECT source, reason FROM etl_quarantine ORDER BY id"))
        loaded = {row[0] for row in conn.execute("SELECT event_id FROM prices")}
    assert loaded == {e["event_id"] for e in good}
    for i, (name, (_, fragment)) in enumerate(HOSTILE.items()):
        assert _says(reasons[f"bot-1-x-00000.jsonl:{2 * i + 2}"], fragment), name
    assert run_events(warehouse.url, directory).lines == 0  # the watermark moved past them all


def _says(reason: str, fragment: str | tuple[str, ...]) -> bool:
    return any(f in reason for f in ((fragment,) if isinstance(fragment, str) else fragment))


def test_duplicate_keys_load_the_last_value_on_both_backends(warehouse: Warehouse, tmp_path) -> None:
    # JSON leaves duplicate names to the reader: Python and PostgreSQL keep the last. The warehouse
    # gets the record as validated, so a discarded first value (a lone surrogate, NaN) never reaches
    # the database's JSON parser.
    directory = tmp_path / "events"
    directory.mkdir()
    price, tx = event("price"), event("transaction")
    lines = [
        '{"source": "\\ud800", ' + json.dumps(price)[1:],
        '{"gas_used": NaN, ' + json.dumps(tx)[1:],
    ]
    (directory / "bot-1-x-00000.jsonl").write_text("\n".join(lines) + "\n")
    result = run_events(warehouse.url, directory)
    assert result.ok and (result.loaded, result.quarantined) == (2, 0)
    with connect(warehouse.url) as conn:
        assert conn.execute("SELECT source FROM prices") == [(price["source"],)]
        assert conn.execute("SELECT gas_used FROM transactions") == [(tx["gas_used"],)]
