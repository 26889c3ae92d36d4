"""The report as one self-contained HTML page: inline CSS and SVG, no script, no external resource."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

import polars as pl

from airdrops.analytics.report import charts
from airdrops.analytics.report.data import ReportData

Format = Callable[[Any], str]

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #212121;
       background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #616161; font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card .label { color: #616161; font-size: 12px; } .card .value { font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; white-space: nowrap; }
th { background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.neg { color: #c62828; } td.pos { color: #2e7d32; }
.scroll { overflow-x: auto; }
svg.chart { width: 100%; max-width: 100%; height: auto; background: #fff; border: 1px solid #e0e0e0;
            border-radius: 6px; }
ul.advice li { margin: 6px 0; } .empty { color: #757575; font-style: italic; }
"""


#: Shown for a missing value.
MISSING = "n/a"
#: A return over fewer days than this is not annualized in the report: a few days' gain raised to a
#: year's power is a number nobody can act on.
MIN_ANNUALIZE_DAYS = 30
#: Days of operations shown.
OPS_DAYS = 14
#: Wallets shown in the costs table.
WALLETS = 20


def usd(x: Any) -> str:
    if x is None:
        return MISSING
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def signed_usd(x: Any) -> str:
    """A gain or loss: coloured in tables."""
    return usd(x)


def pct(x: Any) -> str:
    return MISSING if x is None else f"{x:.1%}"


def signed_pct(x: Any) -> str:
    """A return: signed, coloured in tables."""
    return MISSING if x is None else f"{x:+.1%}"


def num(x: Any) -> str:
    if x is None:
        return MISSING
    return f"{x:,}" if isinstance(x, int) else f"{x:,.6g}"


def text(x: Any) -> str:
    if x is None:
        return MISSING
    if isinstance(x, datetime):
        return x.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(x, date):
        return x.isoformat()
    return str(x)


#: Formats shown right-aligned and coloured by sign; `pct` and `num` are only right-aligned.
_SIGNED = (signed_usd, signed_pct)
_NUMERIC = (usd, signed_usd, signed_pct, pct, num)


def table(frame: pl.DataFrame, columns: Sequence[tuple[str, str, Format]], empty: str = "Nothing to show.") -> str:
    """An HTML table of `frame`: `(column, heading, format)` per column."""
    if frame.height == 0:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in columns)
    body = []
    for row in frame.iter_rows(named=True):
        cells = []
        for name, _, fmt in columns:
            value = row[name]
            cls = ""
            if fmt in _NUMERIC:
                cls = "num"
                if fmt in _SIGNED and isinstance(value, int | float) and value != 0:
                    cls += " neg" if value < 0 else " pos"
            cells.append(f'<td class="{cls}">{escape(fmt(value))}</td>' if cls else f"<td>{escape(fmt(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _card(label: str, value: str) -> str:
    return f'<div class="card"><div class="label">{escape(label)}</div><div class="value">{escape(value)}</div></div>'


def _first(frame: pl.DataFrame, column: str) -> Any:
    return frame[column][0] if frame.height else None


ROI_COLUMNS: list[tuple[str, str, Format]] = [
    ("gas_usd", "Gas", usd),
    ("fees_usd", "Fees", usd),
    ("opportunity_cost_usd", "Capital cost", usd),
    ("realized_usd", "Realized", usd),
    ("unrealized_usd", "Unrealized", signed_usd),
    ("realized_pnl_usd", "Realized PnL", signed_usd),
    ("unrealized_pnl_usd", "Unrealized PnL", signed_usd),
    ("net_after_gas_usd", "Net after gas", signed_usd),
    ("roi_after_gas", "ROI after gas", signed_pct),
    ("net_usd", "Net", signed_usd),
    ("roi", "ROI", signed_pct),
]

WORST_COLUMNS: list[tuple[str, str, Format]] = [
    ("net_after_gas_usd", "Net after gas", signed_usd),
    ("roi_after_gas", "ROI after gas", signed_pct),
    ("roi", "ROI", signed_pct),
]


def render(data: ReportData, *, source: str, generated_at: datetime) -> str:
    """The whole page."""
    overall = data.success_overall
    ret = data.returns
    span = _first(ret, "end_day") - _first(ret, "start_day") if ret.height else None
    if span is None or span.days < MIN_ANNUALIZE_DAYS:
        ret = ret.with_columns(pl.lit(None, pl.Float64).alias(c) for c in ("twr_annualized", "mwr"))
    value_now = float(data.tracking["value_now_usd"].sum()) if data.tracking.height else 0.0
    gas_total = float(data.roi_protocol["gas_usd"].sum()) if data.roi_protocol.height else 0.0
    cards = "".join(
        [
            _card("Portfolio value", usd(_first(ret, "end_value_usd"))),
            _card("Time-weighted return", pct(_first(ret, "twr"))),
            _card("Money-weighted return (XIRR, a year)", pct(_first(ret, "mwr"))),  # n/a under 30 days
            _card("Claim success rate", pct(_first(overall, "success_rate"))),
            _card("Gas spent", usd(gas_total)),
            _card("Airdrop value now", usd(value_now)),
        ]
    )
    if data.advice.height:
        items = "".join(f"<li>{escape(m)}</li>" for m in data.advice["message"])
        advice = f'<ul class="advice">{items}</ul>'
    else:
        advice = (
            '<p class="empty">Nothing to change: no protocol loses money after gas and no airdrop keeps failing.</p>'
        )
    roi_p, roi_a = data.roi_protocol.sort("net_after_gas_usd"), data.roi_airdrop.sort("net_after_gas_usd")
    sections = [
        f"<h2>What to change</h2>{advice}",
        "<h2>Claim success rate</h2>",
        charts.success_rate_chart(data.success_daily_by_protocol, data.success_daily),
        "<h3>Per airdrop</h3>",
        table(
            data.tracking,
            [
                ("airdrop", "Airdrop", text),
                ("protocol", "Protocol", text),
                ("chains", "Chains", text),
                ("eligible_wallets", "Eligible wallets", num),
                ("wallets_attempted", "Wallets tried", num),
                ("claims_attempted", "Attempted", num),
                ("claims_succeeded", "Succeeded", num),
                ("claims_failed", "Failed", num),
                ("success_rate", "Success rate", pct),
                ("top_failure_reason", "Top failure", text),
                ("amount_claimed", "Amount", num),
                ("token", "Token", text),
                ("value_at_claim_usd", "Value at claim", usd),
                ("value_now_usd", "Value now", usd),
            ],
            "No claims yet.",
        ),
        "<h3>Failures by reason</h3>",
        table(
            data.failures,
            [
                ("airdrop", "Airdrop", text),
                ("reason", "Reason", text),
                ("failures", "Failures", num),
                ("wallets", "Wallets", num),
                ("share", "Share of failures", pct),
            ],
            "No failed claims.",
        ),
        "<h3>Per chain</h3>",
        table(
            data.success_by_chain,
            [
                ("chain", "Chain", text),
                ("attempts", "Attempted", num),
                ("succeeded", "Succeeded", num),
                ("failed", "Failed", num),
                ("success_rate", "Success rate", pct),
            ],
            "No claims yet.",
        ),
        "<h2>ROI per protocol</h2>",
        charts.roi_chart(
            roi_p["protocol"].to_list(),
            roi_p["net_after_gas_usd"].to_list(),
            roi_p["roi_after_gas"].to_list(),
            "Net after gas per protocol",
        ),
        table(
            roi_p,
            [
                ("protocol", "Protocol", text),
                ("tx_count", "Transactions", num),
                ("capital_locked_usd", "Capital locked", usd),
                *ROI_COLUMNS,
            ],
            "No costs or returns yet.",
        ),
        "<h3>Gas by protocol and chain</h3>",
        table(
            data.gas_by_chain,
            [
                ("protocol", "Protocol", text),
                ("chain", "Chain", text),
                ("tx_count", "Transactions", num),
                ("gas_used", "Gas used", num),
                ("gas_native", "Gas (native coin)", num),
                ("gas_usd", "Gas (USD at the time)", usd),
            ],
            "No gas spent yet.",
        ),
        f"<h3>Gas and fees per wallet (the {WALLETS} costliest)</h3>",
        table(
            data.wallets.head(WALLETS),
            [
                ("wallet", "Wallet", text),
                ("chains", "Chains", text),
                ("tx_count", "Transactions", num),
                ("gas_usd", "Gas", usd),
                ("fees_usd", "Fees", usd),
                ("total_usd", "Total", usd),
            ],
            "No transactions yet.",
        ),
        "<h2>ROI per airdrop</h2>",
        charts.roi_chart(
            [f"{a} ({p})" for a, p in zip(roi_a["airdrop"], roi_a["protocol"], strict=True)],
            roi_a["net_after_gas_usd"].to_list(),
            roi_a["roi_after_gas"].to_list(),
            "Net after gas per airdrop",
        ),
        table(
            roi_a,
            [
                ("airdrop", "Airdrop", text),
                ("protocol", "Protocol", text),
                ("claim_gas_usd", "Claim gas", usd),
                ("farming_gas_usd", "Farming gas share", usd),
                *ROI_COLUMNS,
            ],
            "No airdrops claimed yet.",
        ),
        "<h2>Worst performers</h2><h3>Protocols</h3>",
        table(
            data.worst_protocols,
            [("protocol", "Protocol", text), *WORST_COLUMNS],
        ),
        "<h3>Airdrops</h3>",
        table(
            data.worst_airdrops,
            [("airdrop", "Airdrop", text), ("protocol", "Protocol", text), *WORST_COLUMNS],
        ),
        "<h2>Open risks</h2>",
        f'<p class="meta">Risk breaches in the {data.risk_window.days} days up to {escape(text(data.as_of))}.</p>',
        table(
            data.risks,
            [
                ("severity", "Severity", text),
                ("rule", "Rule", text),
                ("protocol", "Protocol", text),
                ("breaches", "Breaches", num),
                ("last_ts", "Last", text),
                ("last_value", "Last value", num),
                ("last_limit", "Limit", num),
                ("last_action", "Action taken", text),
            ],
            "No risk breaches in the window.",
        ),
        "<h2>Portfolio value over time</h2>",
        charts.portfolio_chart(
            data.portfolio["day"].to_list(),
            data.portfolio["value_usd"].to_list(),
            data.portfolio["cumulative_twr"].to_list(),
        ),
        table(
            ret,
            [
                ("start_day", "From", text),
                ("end_day", "To", text),
                ("start_value_usd", "Start value", usd),
                ("end_value_usd", "End value", usd),
                ("net_flows_usd", "External flows", usd),
                ("pnl_usd", "PnL", signed_usd),
                ("twr", "TWR", signed_pct),
                ("twr_annualized", "TWR a year", signed_pct),
                ("mwr", "MWR (XIRR)", signed_pct),
            ],
            "Fewer than two days of portfolio snapshots.",
        ),
        f'<p class="meta">Returns a year (TWR, MWR) are n/a over fewer than {MIN_ANNUALIZE_DAYS} days.</p>',
        *_operations(data),
    ]
    meta = (
        f"Warehouse {escape(source)} · data up to {escape(text(data.as_of))} · generated {escape(text(generated_at))}"
        f" · opportunity cost at {data.opportunity_rate:.2%} a year · formulas in docs/analytics.md"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Airdrops analytics report</title>"
        f"<style>{CSS}</style></head><body><main>"
        f'<h1>Airdrops analytics report</h1><p class="meta">{meta}</p>'
        f'<div class="cards">{cards}</div>' + "\n".join(sections) + "</main></body></html>\n"
    )


def _operations(data: ReportData) -> list[str]:
    """What Prometheus counted per day (from the warehouse, so beyond Prometheus' retention), and how it
    compares with the event log the rest of the report reads."""
    recent = data.ops.filter(pl.col("day") > pl.col("day").max() - timedelta(days=OPS_DAYS))
    sources = data.sources
    disagree = sources.filter(~pl.col("agrees"))
    if sources.height == 0:
        verdict = "No Prometheus data in the warehouse to compare with (run the ETL with --prometheus)."
    elif disagree.height == 0:
        verdict = f"All {sources.height} comparisons (per day, bot and measure) agree within the tolerance."
    else:
        verdict = f"{disagree.height} of {sources.height} comparisons (per day, bot and measure) disagree:"
    return [
        "<h2>Operations per day (Prometheus)</h2>",
        f'<p class="meta">The last {OPS_DAYS} days of view ops_daily, newest first.</p>',
        table(
            recent,
            [
                ("day", "Day", text),
                ("bot_id", "Bot", text),
                ("uptime_share", "Uptime", pct),
                ("rpc_requests", "RPC requests", num),
                ("rpc_error_ratio", "RPC errors", pct),
                ("rpc_p95_seconds", "RPC p95 (s)", num),
                ("tx_count", "Transactions", num),
                ("tx_failed", "Failed", num),
                ("gas_used", "Gas used", num),
                ("gas_usd", "Gas (USD)", usd),
                ("fees_usd", "Fees (USD)", usd),
                ("job_runs", "Job runs", num),
                ("job_failures", "Job failures", num),
            ],
            "No Prometheus data in the warehouse yet (run the ETL with --prometheus).",
        ),
        "<h2>Prometheus vs event log</h2>",
        f"<p>{escape(verdict)}</p>",
        table(
            disagree,
            [
                ("day", "Day", text),
                ("bot_id", "Bot", text),
                ("measure", "Measure", text),
                ("prometheus", "Prometheus", num),
                ("events", "Event log", num),
                ("difference", "Difference", num),
            ],
            "Nothing to show.",
        )
        if disagree.height
        else "",
    ]
