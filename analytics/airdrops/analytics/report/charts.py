"""Charts as inline SVG, drawn by matplotlib's SVG backend: no JavaScript, no network, text kept as text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import polars as pl

WIDTH_IN, HEIGHT_IN = 9.0, 3.6
GREEN, RED, GREY = "#2e7d32", "#c62828", "#9e9e9e"
#: Deterministic output: no date in the metadata, fixed ids, fonts left to the browser.
RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "airdrops-report",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    # Labels are protocol and airdrop names a bot wrote: plain text, never mathtext (`$...$`).
    "text.parse_math": False,
}


def _style() -> AbstractContextManager[Any]:
    """The report's matplotlib settings, for the duration of one chart (no global state changed)."""
    import matplotlib

    return matplotlib.rc_context(RC)  # type: ignore[arg-type]


def _figure(height: float = HEIGHT_IN) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height), layout="constrained")


def _svg(fig: Any, label: str) -> str:
    """The figure as an `<svg>` element to inline in HTML (the XML prolog and DOCTYPE dropped)."""

    buf = io.StringIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    svg = text[text.index("<svg") :]
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)


def _dates(ax: Any) -> None:
    """Day ticks that stay readable from three days to a year."""
    from matplotlib import dates

    locator = dates.AutoDateLocator(minticks=3, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _no_data(ax: Any, message: str = "No data yet") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=GREY, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])


def success_rate_chart(daily: pl.DataFrame, overall: pl.DataFrame) -> str:
    """Daily claim success rate per protocol (markers on the days it claimed) and over all protocols (dashed)."""
    from matplotlib import ticker

    with _style():
        fig = _figure()
        ax = fig.add_subplot()
        if overall.height == 0:
            _no_data(ax)
        else:
            ax.plot(
                overall["period_start"].to_list(),
                overall["success_rate"].to_list(),
                lw=1.5,
                ls="--",
                color=GREY,
                zorder=1,
                label="all protocols",
            )
            for (protocol,), group in daily.group_by(["protocol"], maintain_order=True):
                days, rates = group["period_start"].to_list(), group["success_rate"].to_list()
                ax.plot(days, rates, lw=1.5, marker="o", ms=5, zorder=2, label=str(protocol))
            ax.set_ylim(0, 1.05)
            ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
            ax.set_ylabel("claims succeeded / attempted")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
            _dates(ax)
        ax.set_title("Claim success rate per day")
        return _svg(fig, "Claim success rate per day")


def roi_chart(labels: Sequence[str], net: Sequence[float], roi: Sequence[float | None], title: str) -> str:
    """Horizontal bars of net USD after gas, green above zero and red below, labelled with the ROI."""

    with _style():
        fig = _figure(max(2.0, 0.45 * len(labels) + 1.0))
        ax = fig.add_subplot()
        if not labels:
            _no_data(ax)
        else:
            y = list(range(len(labels)))
            ax.barh(y, net, color=[GREEN if v >= 0 else RED for v in net])
            ax.set_yticks(y, labels)
            ax.invert_yaxis()
            ax.axvline(0, color="black", lw=0.8)
            ax.set_xlabel("net after gas, USD")
            for i, (value, r) in enumerate(zip(net, roi, strict=True)):
                text = "n/a" if r is None else f"{r:+.0%}"
                ax.annotate(
                    text,
                    (value, i),
                    xytext=(4 if value >= 0 else -4, 0),
                    textcoords="offset points",
                    ha="left" if value >= 0 else "right",
                    va="center",
                    fontsize=8,
                )
            ax.margins(x=0.15)
        ax.set_title(title)
        return _svg(fig, title)


def portfolio_chart(days: Sequence[date], values: Sequence[float], twr: Sequence[float | None]) -> str:
    """Portfolio value per day (line, left axis) and cumulative time-weighted return (dashed, right axis)."""
    from matplotlib import ticker

    with _style():
        fig = _figure()
        ax = fig.add_subplot()
        if not days:
            _no_data(ax)
        else:
            ax.plot(days, values, lw=2, color="#1565c0", label="value (USD)")
            ax.set_ylabel("USD")
            ax.yaxis.set_major_formatter(ticker.StrMethodFormatter("${x:,.0f}"))
            right = ax.twinx()
            right.plot(days, [0.0 if v is None else v for v in twr], lw=1, ls="--", color=GREY, label="TWR")
            right.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
            right.set_ylabel("cumulative TWR")
            right.grid(False)
            _dates(ax)
        ax.set_title("Portfolio value over time")
        return _svg(fig, "Portfolio value over time")
