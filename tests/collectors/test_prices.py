"""Price files: the documented CSV format, imported into either warehouse, refused whole when a row is bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from airdrops.collectors.prices import BOT_ID, PriceFileError, import_prices, read_price_file
from airdrops.collectors.warehouse import connect
from tests.servers import Warehouse

GOOD = "ts,token,price_usd\n2025-01-01,ARB,0.81\n2025-01-01T12:00:00+02:00,ARB,0.79\n2025-01-02T00:00:00Z,OP,1.9\n"


def write(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_import_loads_each_row_once_and_the_views_use_it(warehouse: Warehouse, tmp_path):
    path = write(tmp_path, GOOD)
    first = import_prices(warehouse.url, path)
    again = import_prices(warehouse.url, path)
    assert (first.rows, first.loaded, first.duplicates, first.stream) == (3, 3, 0, "prices:prices")
    assert (again.loaded, again.duplicates) == (0, 3)
    with connect(warehouse.url) as conn:
        rows = conn.execute("SELECT token, ts, price_usd, source, bot_id FROM prices ORDER BY ts")
        latest = dict(conn.execute("SELECT token, price_usd FROM latest_prices"))
        runs = conn.execute("SELECT status, rows_loaded FROM etl_runs WHERE stream = 'prices:prices' ORDER BY 1, 2")
    # 12:00+02:00 is 10:00 UTC; a date means 00:00 UTC
    assert [(r[0], r[1].isoformat()[:19], float(r[2])) for r in rows] == [
        ("ARB", "2025-01-01T00:00:00", 0.81),
        ("ARB", "2025-01-01T10:00:00", 0.79),
        ("OP", "2025-01-02T00:00:00", 1.9),
    ]
    assert {r[3] for r in rows} == {"prices"} and {r[4] for r in rows} == {BOT_ID}
    assert {k: float(v) for k, v in latest.items()} == {"ARB": 0.79, "OP": 1.9}
    assert [tuple(r) for r in runs] == [("succeeded", 0), ("succeeded", 3)]


def test_a_source_column_or_argument_names_the_origin(tmp_path):
    events = read_price_file(write(tmp_path, "ts,token,price_usd,source\n2025-01-01,ARB,1,kaiko\n2025-01-01,OP,2,\n"),
                             source="manual")  # fmt: skip
    assert [e["source"] for e in events] == ["kaiko", "manual"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("token,price_usd\nARB,1\n", "missing: ts"),
        ("ts,token,price_usd\n", "no price rows"),
        (
            "ts,token,price_usd\n2025-01-01,ARB,1\n2025-01-01,ARB,abc\n",
            "prices.csv:3: price_usd 'abc' is not a decimal",
        ),
        ("ts,token,price_usd\n2025-01-01T00:00:00,ARB,1\n", "prices.csv:2: ts '2025-01-01T00:00:00' has no time zone"),
        ("ts,token,price_usd\n2025-02-30,ARB,1\n", "prices.csv:2: ts '2025-02-30T00:00:00Z' is not RFC 3339"),
        ("ts,token,price_usd\n2025-01-01,,1\n", "prices.csv:2: token is empty"),
        ("ts,token,price_usd\n2025-01-01,ARB,-1\n", "prices.csv:2: price_usd '-1' is not above 0"),
    ],
)
def test_bad_files_are_refused_with_the_line_and_nothing_is_loaded(duckdb_warehouse, tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(PriceFileError, match=message.replace("(", r"\(")):
        import_prices(duckdb_warehouse.url, path)
    assert not (tmp_path / "warehouse.duckdb").exists()  # refused before the warehouse was even opened


def test_the_command_reports_and_fails_on_a_bad_file(duckdb_warehouse, tmp_path):
    from typer.testing import CliRunner

    from airdrops.cli.main import app

    runner = CliRunner()
    ok = runner.invoke(app, ["prices", "import", str(write(tmp_path, GOOD)), "--warehouse", duckdb_warehouse.url])
    assert ok.exit_code == 0 and "3 new, 0 already there" in ok.output
    bad = runner.invoke(app, ["prices", "import", str(write(tmp_path, "ts,token\n", "bad.csv"))])
    assert bad.exit_code == 1 and "missing: price_usd" in bad.output
