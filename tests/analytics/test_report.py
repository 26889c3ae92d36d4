"""The HTML report: its numbers, that it is self-contained, and that it renders in headless Chromium."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from airdrops.analytics import build_report
from airdrops.analytics.report import write_report
from tests.analytics import cases, chromium

#: What Chromium evaluates in the page: each chart's size and how many shapes it drew.
CHART_FACTS = """[...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect();
  return {label: s.getAttribute('aria-label'), width: r.width, height: r.height,
          shapes: s.querySelectorAll('path, rect, line, polyline, use').length};
})"""
CHARTS = [
    "Claim success rate per day",
    "Net after gas per protocol",
    "Net after gas per airdrop",
    "Portfolio value over time",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    return write_report(cases.VIEW_FRAMES, out, source="cases", opportunity_rate=cases.RATE, as_of=cases.AS_OF)


def test_report_shows_the_hand_worked_numbers(report):
    html = report.read_text()
    assert report.name == "index.html"
    for section in ("What to change", "Claim success rate", "ROI per protocol", "ROI per airdrop", "Worst performers",
                    "Open risks", "Portfolio value over time", "Operations per day (Prometheus)",
                    "Prometheus vs event log"):  # fmt: skip
        assert f"<h2>{section}</h2>" in html, section
    # "what to change" is derived from the numbers (see test_risks_advice)
    assert "Cut farming on uniswap: $10.36 of gas and fees brought $0.00" in html
    assert "Claims for qs-s1 keep failing: 4 of 5 (80%)" in html
    # cards and tables: portfolio 2810, TWR 12.4 %, claim success 3 of 8 counted, aerodrome net 57.9 and ROI +573.3 %
    assert "$2,810.00" in html and "12.4%" in html and "37.5%" in html
    assert "$57.90" in html and "+573.3%" in html and "+580.0%" in html
    # open risks: the critical drawdown breach and the two gas-price breaches, not the old one
    assert "kill_switch" in html and ">2024-03-03 09:00 UTC<" in html and "2024-02-20" not in html
    assert len(re.findall(r"<svg\b", html)) == 4
    # what Prometheus counted: 1 March, 100 RPC requests, p95 0.49 s; the gas in USD disagrees with the events
    assert "1 of 5 comparisons (per day, bot and measure) disagree" in html
    assert '<td>gas_usd</td><td class="num">12</td><td class="num">10.02</td>' in html
    # gas and fees per wallet, the costliest first: w1 spent 12.03 of gas and 0.36 of fees
    assert '<td>w1</td><td>base,polygon</td><td class="num">9</td><td class="num">$12.03</td>' in html
    # nothing annualized over 3 days (it would read +150164604.8 %), and no ROI over quickswap's $0.04 of gas
    assert "150164604" not in html and "+74900" not in html


def test_report_is_self_contained(report):
    html = report.read_text()
    assert "<script" not in html and "<link" not in html and "@import" not in html
    targets = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert targets, "the charts' markers refer to their own definitions"
    assert all(t.startswith("#") for t in targets), f"the report must not load anything: {targets}"
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html)


@pytest.mark.integration
def test_report_renders_in_headless_chromium(report, capsys):
    if chromium.binary() is None:
        pytest.fail("chromium not installed (Debian package `chromium`; `make test` installs it)")
    page = chromium.load(report.as_uri(), CHART_FACTS)
    shot = report.with_name("report.png")
    shot.write_bytes(page.png)
    with capsys.disabled():
        print(f"\nreport screenshot: {shot}")
    assert page.console == [] and page.errors == [], (page.console, page.errors)
    assert [c["label"] for c in page.facts] == CHARTS
    for chart in page.facts:
        assert chart["width"] > 400 and chart["height"] > 150, chart
        assert chart["shapes"] >= 10, chart
    from PIL import Image

    image = Image.open(io.BytesIO(page.png)).convert("RGB")
    assert image.width >= 1200 and image.height > 2000
    colors = image.getcolors(maxcolors=1 << 20) or []
    assert len(colors) > 50, "the screenshot looks blank"
    reds = sum(n for n, (r, g, b) in colors if r > 150 and g < 80 and b < 80)
    assert reds > 500, "the red bars of the losing protocols are not drawn"


@pytest.mark.integration
def test_chromium_check_catches_console_errors_and_failed_loads(tmp_path):
    """The checks above can fail: a page with a script error and a missing image is caught."""
    if chromium.binary() is None:
        pytest.skip("chromium not installed")
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><body><script>console.error("boom"); nope();</script><img src="gone.png">')
    page = chromium.load(bad.as_uri(), "1")
    assert page.console == ["error: boom"]
    assert any("nope is not defined" in e for e in page.errors)
    assert any("ERR_FILE_NOT_FOUND" in e and "gone.png" in e for e in page.errors)


@pytest.mark.integration
def test_build_report_from_each_warehouse(warehouse_url, tmp_path):
    path = build_report(warehouse_url, tmp_path / "out", opportunity_rate=cases.RATE, as_of=cases.AS_OF)
    html = path.read_text()
    assert path == tmp_path / "out" / "index.html"
    assert "$57.90" in html and "Claims for qs-s1 keep failing" in html
    assert "secret" not in html


@pytest.mark.parametrize("name", ["Price $\\notacommand$ pool", "the $x$ pool", "a_b^c {d}"])
def test_chart_labels_are_plain_text(name):
    from airdrops.analytics.report.charts import roi_chart

    svg = roi_chart([name, "other"], [10.0, -2.0], [0.5, None], "ROI")
    assert name.replace("&", "&amp;").replace("<", "&lt;") in svg  # written as given, not as math
