"""The metrics ETL side by side with what a user would otherwise write, on data it builds itself.

1. 100 series x 2 days at 15 s (1,152,000 samples) written as OpenMetrics and backfilled with
   `promtool tsdb create-blocks-from openmetrics`; a real Prometheus on that data directory and a
   throwaway PostgreSQL (initdb + pg_ctl, default settings) on loopback.
2. Side by side, each in a fresh subprocess, the whole window into PostgreSQL:
   (a) prometheus-api-client `custom_query_range` per chunk + pandas `MetricRangeDataFrame` + `to_sql`;
   (b) `airdrops.collectors.metrics_stream.run_metrics` (idempotent, watermarked, reconciled) with
       its defaults, then the same window again (every row a duplicate);
   (b') the same with 10,000-point chunks loaded one after the other (no prefetch).
   Samples/s for each and the ratio.
3. Peak RSS of the project ETL (prefetching) for a window W and 10 W (same chunk size): streaming
   keeps it flat.
4. An analytics-style DuckDB aggregation over 10 million synthetic claims through the warehouse's
   own `claim_success_rate` and `roi_by_protocol` views.

    python benchmarks/etl.py            # a few minutes on 2 cores
    AIRDROPS_BENCH_SERIES=5 AIRDROPS_BENCH_CLAIMS=100000 python benchmarks/etl.py   # smoke test
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# AIRDROPS_BENCH_SERIES / AIRDROPS_BENCH_CLAIMS shrink the run to smoke-test the harness itself.
SERIES = int(os.environ.get("AIRDROPS_BENCH_SERIES", "100"))
STEP = 15
DAYS = 2
POINTS = DAYS * 86400 // STEP  # 11,520 per series
T0 = 1_699_920_000  # 2023-11-14T00:00:00Z
LAST = T0 + (POINTS - 1) * STEP
METRIC = "airdrops_wallet_balance_usd"
# The W / 10 W runs: 300 points per series per request; W = 3 chunks (3.75 h), 10 W = 30 chunks (37.5 h).
# W spans a few chunks so that allocator warm-up (the first two or three chunks) is inside both.
MEMORY_CHUNK_POINTS = 300
MEMORY_W_CHUNKS = 3
CLAIMS = int(os.environ.get("AIRDROPS_BENCH_CLAIMS", "10000000"))


# ---------------------------------------------------------------- servers and data


def write_openmetrics(path: Path) -> int:
    chains, tokens = ("ethereum", "arbitrum", "base", "optimism"), ("ETH", "USDC", "ARB", "OP", "ZK")
    with path.open("w") as fh:
        fh.write(f"# HELP {METRIC} Wallet holdings in USD.\n# TYPE {METRIC} gauge\n")
        for s in range(SERIES):
            labels = (
                f'bot_id="bot-{s % 4}",chain="{chains[s % 4]}",job="airdrops-bot",'
                f'token="{tokens[s % 5]}",wallet="0x{s:040x}"'
            )
            base = 1000.0 + 37 * s
            fh.writelines(f"{METRIC}{{{labels}}} {base + (i % 977) * 0.25} {T0 + i * STEP}\n" for i in range(POINTS))
        fh.write("# EOF\n")
    return SERIES * POINTS


def start_prometheus(workdir: Path) -> tuple[Any, float]:
    from airdrops.services import Prometheus
    from airdrops.services.prometheus import backfill

    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "history.om"
    samples = write_openmetrics(source)
    started = time.perf_counter()
    backfill(source, workdir / "data")
    backfill_s = time.perf_counter() - started
    source.unlink()
    prom = Prometheus(workdir, targets=[], scrape_interval="1h")
    # A lookback shorter than the scrape interval: a step-15s query returns each sample exactly once.
    prom.args.append("--query.lookback-delta=10s")
    prom.start()
    assert samples == SERIES * POINTS
    return prom, backfill_s


# ---------------------------------------------------------------- the measured runs (each in a subprocess)


def child_baseline(prom_url: str, db_url: str, since: int, until: int) -> dict[str, Any]:
    """What a user would write: prometheus-api-client + pandas, chunked by hand under the point limit."""
    from datetime import UTC, datetime

    import sqlalchemy
    from prometheus_api_client import MetricRangeDataFrame, PrometheusConnect

    from airdrops.collectors.extract.prometheus import plan_chunks

    rss0 = _rss_mb()
    started = time.perf_counter()
    client = PrometheusConnect(url=prom_url, disable_ssl=True)
    engine = sqlalchemy.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    rows = 0
    for lo, hi in plan_chunks(since, until, STEP, 10_000):
        data = client.custom_query_range(
            METRIC, start_time=datetime.fromtimestamp(lo, UTC), end_time=datetime.fromtimestamp(hi, UTC), step=str(STEP)
        )
        frame = MetricRangeDataFrame(data)
        frame.to_sql("samples_pandas", engine, if_exists="append", index=True, chunksize=10_000)
        rows += len(frame)
    return {"rows": rows, "seconds": time.perf_counter() - started, "rss0_mb": rss0, "peak_mb": _rss_mb()}


def child_etl(prom_url: str, db_url: str, since: int, until: int, max_points: int, prefetch: bool) -> dict[str, Any]:
    from airdrops.collectors.config import MetricQuery, MetricsConfig, PrometheusSource
    from airdrops.collectors.metrics_stream import run_metrics
    from airdrops.collectors.warehouse import migrate

    migrate(db_url)
    cfg = MetricsConfig(
        prometheus=PrometheusSource(url=prom_url),
        queries=(MetricQuery.metric("airdrops.wallet.balance", STEP),),
        max_points=max_points,
        prefetch=prefetch,
    )
    rss0 = _rss_mb()
    out: dict[str, Any] = {"rss0_mb": rss0}
    for label in ("first", "rerun"):
        started = time.perf_counter()
        (result,) = run_metrics(db_url, cfg, since=since, until=until, auto_migrate=False)
        out[label] = {
            "seconds": time.perf_counter() - started,
            "fetched": result.fetched,
            "loaded": result.loaded,
            "duplicates": result.duplicates,
            "chunks": result.chunks,
            "ok": result.ok,
        }
    out["peak_mb"] = _rss_mb()
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(kind: str, *args: Any) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, *map(str, args)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- DuckDB analytics over 10 M claims


def duckdb_analytics(workdir: Path) -> dict[str, float]:
    from airdrops.collectors.warehouse import connect, migrate

    url = f"duckdb:///{workdir / 'claims.duckdb'}"
    migrate(url)
    with connect(url) as conn:
        started = time.perf_counter()
        conn.execute(
            f"""
            INSERT INTO claims (event_id, ts, bot_id, chain, protocol, airdrop, wallet, outcome, reason, amount,
                                token, value_usd, tx_hash, gas_used, gas_price_wei, fee_native, fee_usd)
            SELECT 'e' || i, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 3), 'bot-' || (i % 8),
                   ['ethereum', 'arbitrum', 'base', 'optimism', 'zksync'][1 + i % 5],
                   ['uniswap', 'aave', 'stargate', 'layerzero', 'zora', 'hop'][1 + (i // 5) % 6],
                   'airdrop-' || (i % 40), '0x' || lpad(CAST(i % 5000 AS VARCHAR), 40, '0'),
                   CASE WHEN i % 7 = 0 THEN 'failure' ELSE 'success' END,
                   CASE WHEN i % 7 = 0 THEN ['reverted', 'rpc_error', 'not_eligible'][1 + i % 3] ELSE NULL END,
                   CAST((i % 1000) / 10.0 AS DECIMAL(38, 18)), 'TOK', CAST((i % 997) / 3.0 AS DECIMAL(38, 18)),
                   '0x' || md5(CAST(i AS VARCHAR)), 60000 + i % 20000, CAST(1000000000 + i % 1000 AS DECIMAL(38, 0)),
                   CAST(0.0001 AS DECIMAL(38, 18)), CAST((i % 50) / 100.0 AS DECIMAL(38, 18))
            FROM range({CLAIMS}) t(i)
            """
        )
        generate_s = time.perf_counter() - started
        started = time.perf_counter()
        daily = conn.execute("SELECT count(*), sum(attempts), avg(success_rate) FROM claim_success_rate")[0]
        rate_s = time.perf_counter() - started
        started = time.perf_counter()
        roi = conn.execute("SELECT count(*), sum(claims_succeeded) FROM roi_by_protocol")[0]
        roi_s = time.perf_counter() - started
    assert int(daily[1]) == CLAIMS, daily
    return {
        "generate_s": generate_s,
        "claim_success_rate_s": rate_s,
        "roi_by_protocol_s": roi_s,
        "groups": daily[0],
        "roi_rows": roi[0],
    }


# ---------------------------------------------------------------- main


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from airdrops.collectors.config import DEFAULT_MAX_POINTS

    console = Console(width=120)
    work = Path(tempfile.mkdtemp(prefix="airdrops-bench-etl-"))
    pg = None
    prom = None
    try:
        with console.status("backfilling 1.15 M samples with promtool, starting Prometheus and PostgreSQL"):
            prom, backfill_s = start_prometheus(work / "prometheus")
            from airdrops.services.postgres import PostgresServer

            pg = PostgresServer(fast=False)  # PostgreSQL's defaults: both pipelines pay real durability
            pg.start()
        total = SERIES * POINTS
        console.print(f"backfilled {total:,} samples ({SERIES} series, {DAYS} days at {STEP}s) in {backfill_s:.1f}s")

        with console.status("(a) prometheus-api-client + pandas to_sql"):
            base = run_child("baseline", prom.url, pg.create_database("baseline"), T0, LAST)
        with console.status("(b) airdrops ETL"):
            etl = run_child("etl", prom.url, pg.create_database("etl"), T0, LAST, DEFAULT_MAX_POINTS, 1)
        with console.status("(b') airdrops ETL, chunk by chunk"):
            sequential = run_child("etl", prom.url, pg.create_database("etl_sequential"), T0, LAST, 10_000, 0)
        w_seconds = MEMORY_W_CHUNKS * MEMORY_CHUNK_POINTS * STEP
        with console.status("peak memory at W and 10 W"):
            mem_w = run_child(
                "etl", prom.url, pg.create_database("mem_w"), T0, T0 + w_seconds - STEP, MEMORY_CHUNK_POINTS, 1
            )
            mem_10w = run_child(
                "etl", prom.url, pg.create_database("mem_10w"), T0, T0 + 10 * w_seconds - STEP, MEMORY_CHUNK_POINTS, 1
            )
        with console.status(f"DuckDB: {CLAIMS:,} synthetic claims and the analytics views"):
            duck = duckdb_analytics(work)

        assert base["rows"] == total, base
        assert etl["first"]["loaded"] == total and etl["first"]["ok"], etl
        assert etl["rerun"]["loaded"] == 0 and etl["rerun"]["duplicates"] == total, etl
        base_rate = total / base["seconds"]
        etl_rate = total / etl["first"]["seconds"]
        table = Table(title=f"Prometheus -> PostgreSQL, {total:,} samples (one run, ratios matter)")
        for col in ("pipeline", "seconds", "samples/s", "vs (a)", "peak RSS MB"):
            table.add_column(col, justify="right" if col != "pipeline" else "left")
        baseline_label = "(a) prometheus-api-client + pandas to_sql"
        table.add_row(baseline_label, f"{base['seconds']:.1f}", f"{base_rate:,.0f}", "1.0x", f"{base['peak_mb']:.0f}")
        for label, run in (
            (f"(b) airdrops ETL (defaults: {DEFAULT_MAX_POINTS:,}-point chunks, prefetch)", etl),
            ("(b') same, 10,000-point chunks, no prefetch", sequential),
        ):
            rate = total / run["first"]["seconds"]
            table.add_row(label, f"{run['first']['seconds']:.1f}", f"{rate:,.0f}", f"{rate / base_rate:.1f}x",
                          f"{run['peak_mb']:.0f}")  # fmt: skip
        rerun = etl["rerun"]["seconds"]
        table.add_row("(b) same window again (all duplicates)", f"{rerun:.1f}", f"{total / rerun:,.0f}", "-", "-")
        console.print(table)

        mem = Table(title=f"airdrops ETL peak RSS, chunks of {MEMORY_CHUNK_POINTS:,} points x {SERIES} series")
        for col in ("window", "samples", "chunks", "RSS after imports MB", "peak RSS MB", "growth MB"):
            mem.add_column(col, justify="right")
        for label, run in (("W", mem_w), ("10 W", mem_10w)):
            mem.add_row(label, f"{run['first']['loaded']:,}", str(run["first"]["chunks"]), f"{run['rss0_mb']:.0f}",
                        f"{run['peak_mb']:.0f}", f"{run['peak_mb'] - run['rss0_mb']:.0f}")  # fmt: skip
        console.print(mem)

        analytics = Table(title=f"DuckDB analytics over {CLAIMS:,} synthetic claims")
        for col in ("step", "seconds"):
            analytics.add_column(col, justify="right" if col == "seconds" else "left")
        analytics.add_row("generate (INSERT ... SELECT FROM range)", f"{duck['generate_s']:.1f}")
        analytics.add_row(
            f"claim_success_rate view, full scan ({duck['groups']:,} groups)", f"{duck['claim_success_rate_s']:.2f}"
        )
        analytics.add_row(f"roi_by_protocol view ({duck['roi_rows']} rows)", f"{duck['roi_by_protocol_s']:.2f}")
        console.print(analytics)
        growth_ratio = (mem_10w["peak_mb"] - mem_10w["rss0_mb"]) / max(mem_w["peak_mb"] - mem_w["rss0_mb"], 1)
        console.print(
            f"ETL / baseline: {etl_rate / base_rate:.1f}x (goal >= 10x); peak RSS 10 W vs W: "
            f"{mem_10w['peak_mb']:.0f} vs {mem_w['peak_mb']:.0f} MB (growth ratio {growth_ratio:.2f})"
        )
    finally:
        if prom is not None:
            prom.stop()
        if pg is not None:
            pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, args = sys.argv[2], sys.argv[3:]
        if kind == "baseline":
            result = child_baseline(args[0], args[1], int(args[2]), int(args[3]))
        else:
            result = child_etl(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), args[5] == "1")
        print(json.dumps(result))
    else:
        main()
