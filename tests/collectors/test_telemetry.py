"""The ETL reports its own runs through the SDK's catalogue metrics."""

from __future__ import annotations

import json

from airdrops.collectors.pipeline import run_events


def test_events_run_is_recorded_in_etl_metrics(tmp_path, capmetrics):
    events = tmp_path / "events"
    events.mkdir()
    lines = [
        {
            "schema": "airdrops.event/v1",
            "event_id": f"e{i}",
            "ts": "2026-01-01T00:00:00.000Z",
            "type": "price",
            "bot_id": "b",
            "token": "ETH",
            "price_usd": "3000",
            "source": "t",
        }
        for i in range(5)
    ]
    (events / "b-1-x-00000.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\nnot json\n")
    result = run_events(f"duckdb:///{tmp_path / 'w.duckdb'}", str(events))
    assert (result.loaded, result.quarantined) == (5, 1)
    assert capmetrics.value("airdrops.etl.runs", stream="events", outcome="success") == 1
    assert capmetrics.value("airdrops.etl.rows", stream="events", stage="loaded") == 5
    assert capmetrics.value("airdrops.etl.rows", stream="events", stage="quarantined") == 1
    assert capmetrics.count("airdrops.etl.duration", stream="events") == 1
    assert capmetrics.value("airdrops.etl.last_success", stream="events") > 1.7e9
