"""A thousand bots: what a fleet costs Prometheus, VictoriaMetrics and the warehouse, measured.

1,000 reference bots are too many processes for 2 cores, so one real reference bot (`airdrops bot run`
on its own anvil) farms until every job has run, and its `/metrics` becomes the template: a fleet
server exposes that exposition for N bot_ids (bot_id replaced, counters growing at every scrape) behind
a few endpoints. The series and label sets are by construction what N reference bots expose.

A real Prometheus scrapes the fleet every 15 s with the generated rules (rules/*.yml) and remote_writes
to a real VictoriaMetrics. Measured, for 100 and for 1,000 bots side by side (the ratio shows whether
the cost is linear):
- series per bot, and the metric families that dominate it (from the template);
- Prometheus' resident memory, scrape duration per endpoint, rule evaluation time per round;
- the ETL's samples/s over the same window from Prometheus and from VictoriaMetrics (default queries);
- warehouse bytes per bot per month (PostgreSQL, the default 1-minute step, extrapolated).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
AIRDROPS = str(Path(sys.executable).parent / "airdrops")
SIZES = tuple(int(n) for n in os.environ.get("AIRDROPS_FLEET_SIZES", "100,1000").split(","))
BOTS_PER_ENDPOINT = 100
SCRAPE = 15
ROUNDS = int(os.environ.get("AIRDROPS_FLEET_ROUNDS", "8"))  # scrape rounds per size, after the warm-up
console = Console()


# --- the template: one real reference bot --------------------------------------------------------------


def capture_template(workdir: Path) -> tuple[list[tuple[str, dict[str, str], float, str]], int]:
    """The samples (name, labels, value, type) one reference bot exposes once every job has run, and its events."""
    from airdrops.services import free_port

    port = free_port()
    env = {**os.environ, "AIRDROPS_BOT_ID": "template-bot"}
    args = [AIRDROPS, "bot", "run", "--wallets", "5", "--duration", "0", "--tick", "0.3",
            "--metrics-port", str(port), "--events-dir", str(workdir / "events")]  # fmt: skip
    bot = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 180
        text = ""
        while time.monotonic() < deadline:
            time.sleep(2)
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except requests.RequestException:
                continue
            if "airdrops_capital_rebalances_total{" in text and "airdrops_claim_attempts_total{" in text:
                time.sleep(20)  # a few more rounds of every job
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                break
        else:
            raise RuntimeError("the reference bot did not run every job within 180 s")
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(30)
    samples = [
        (s.name, dict(s.labels), s.value, family.type)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]
    events = sum(len(p.read_text().splitlines()) for p in (workdir / "events").glob("*.jsonl"))
    return samples, events


def family_of(name: str) -> str:
    return re.sub(r"(_bucket|_count|_sum|_total|_created)$", "", name)


# --- the fleet server --------------------------------------------------------------------------------------


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Fleet:
    """`bots` copies of the template behind endpoints of BOTS_PER_ENDPOINT bots each."""

    def __init__(self, template: list[tuple[str, dict[str, str], float, str]], bots: int) -> None:
        self.template = template
        self.servers: list[ThreadingHTTPServer] = []
        self.scrapes = 0
        self._lines: dict[str, list[tuple[str, float, bool]]] = {}
        for first in range(0, bots, BOTS_PER_ENDPOINT):
            ids = [f"bot-{i:04d}" for i in range(first, min(first + BOTS_PER_ENDPOINT, bots))]
            self.servers.append(self._serve(ids))

    @property
    def targets(self) -> list[str]:
        return [f"127.0.0.1:{s.server_address[1]}" for s in self.servers]

    def _serve(self, ids: list[str]) -> ThreadingHTTPServer:
        fleet = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fleet.scrapes += 1
                body = fleet.render(ids, fleet.scrapes).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def render(self, ids: list[str], round_: int) -> str:
        grow = 1 + round_ / 1000  # counters and histograms only grow
        lines = self._lines.get(ids[0])
        if lines is None:
            lines = self._lines[ids[0]] = self._prefixes(ids)
        return "\n".join(f"{prefix} {value * grow if grows else value!r}" for prefix, value, grows in lines) + "\n"

    def _prefixes(self, ids: list[str]) -> list[tuple[str, float, bool]]:
        """Each series' name and labels rendered once; only the values change between scrapes."""
        out = []
        for bot_id in ids:
            for name, labels, value, kind in self.template:
                if name.endswith("_created"):
                    continue
                labels = {**labels, "bot_id": bot_id} if "bot_id" in labels else labels
                text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
                out.append((f"{name}{{{text}}}", value, kind in ("counter", "histogram", "summary")))
        return out

    def close(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()


# --- one size of fleet -----------------------------------------------------------------------------------


def scalar(url: str, promql: str) -> float:
    result = requests.get(f"{url}/api/v1/query", params={"query": promql}, timeout=300).json()["data"]["result"]
    return float(result[0]["value"][1]) if result else float("nan")


def measure(template: list[Any], bots: int, workdir: Path, postgres: Any) -> dict[str, float]:
    from airdrops.services import Prometheus
    from airdrops.services.victoriametrics import VictoriaMetrics

    rules = sorted(str(p) for p in (ROOT / "rules").glob("*.yml"))
    fleet = Fleet(template, bots)
    try:
        with VictoriaMetrics(workdir / "vm") as vm, Prometheus(
            workdir / "prom", targets=fleet.targets, scrape_interval=f"{SCRAPE}s", rule_files=rules,
            self_job="prometheus", remote_write=[vm.write_url],
        ) as prom:  # fmt: skip
            since = time.time()
            time.sleep(SCRAPE * (ROUNDS + 2))
            until = time.time() - SCRAPE
            out = {
                "bots": bots,
                "head_series": scalar(prom.url, "prometheus_tsdb_head_series"),
                "bot_series": scalar(prom.url, 'sum(scrape_samples_scraped{job="airdrops-bot"})'),
                "rss_mb": scalar(prom.url, 'process_resident_memory_bytes{job="prometheus"}') / 2**20,
                "scrape_s": scalar(prom.url, 'avg(avg_over_time(scrape_duration_seconds{job="airdrops-bot"}[2m]))'),
                "rules_s": scalar(prom.url, "sum(avg_over_time(prometheus_rule_group_last_duration_seconds[2m]))"),
                "recorded_series": scalar(prom.url, "sum(prometheus_rule_group_last_evaluation_samples)"),
            }
            time.sleep(5)
            vm.flush()
            out.update(etl(prom.url, vm.url, since, until, postgres))
    finally:
        fleet.close()
    return out


def etl(prom_url: str, vm_url: str, since: float, until: float, postgres: Any) -> dict[str, float]:
    from airdrops.collectors.config import MetricsConfig, PrometheusSource, default_queries
    from airdrops.collectors.metrics_stream import run_metrics

    out: dict[str, float] = {}
    for name, url in (("prometheus", prom_url), ("victoriametrics", vm_url)):
        warehouse = postgres.create_database()
        cfg = MetricsConfig(prometheus=PrometheusSource(url=url), queries=default_queries(SCRAPE))
        started = time.perf_counter()
        loaded = sum(r.loaded for r in run_metrics(warehouse, cfg, since=since, until=until))
        seconds = time.perf_counter() - started
        out[f"etl_{name}_samples_s"] = loaded / seconds
        out[f"etl_{name}_samples"] = loaded
        if name == "prometheus":
            import psycopg

            with psycopg.connect(warehouse) as conn:
                size = conn.execute(
                    "SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i "
                    "WHERE i.inhparent = 'metric_samples'::regclass"
                ).fetchone()[0]
                series = conn.execute("SELECT count(*) FROM metric_series").fetchone()[0]
            out["bytes_per_sample"] = float(size) / loaded
            out["loaded_series"] = series
    return out


# --- the report ----------------------------------------------------------------------------------------------


def main() -> None:
    from airdrops.services.postgres import PostgresServer

    with tempfile.TemporaryDirectory(prefix="airdrops-fleet-") as tmp:
        work = Path(tmp)
        console.print("capturing one reference bot's /metrics ...")
        template, events = capture_template(work / "template")
        families = Counter(family_of(name) for name, *_ in template if not name.endswith("_created"))
        per_bot = sum(families.values())
        results = []
        postgres = PostgresServer(fast=False)  # PostgreSQL's defaults: real durability
        postgres.start()
        try:
            for bots in SIZES:
                console.print(f"{bots} bots: scraping for {SCRAPE * (ROUNDS + 2)} s ...")
                results.append(measure(template, bots, work / f"n{bots}", postgres))
        finally:
            postgres.destroy()
    report(per_bot, families, events, results)


def report(per_bot: int, families: Counter[str], events: int, results: list[dict[str, float]]) -> None:
    table = Table(title="Fleet load (one reference bot's /metrics x N bot_ids, scraped every 15 s)")
    table.add_column("measure")
    for r in results:
        table.add_column(f"{int(r['bots'])} bots", justify="right")
    table.add_column("ratio", justify="right")

    def row(label: str, key: str, fmt: str = "{:,.0f}", per_bot: bool = False) -> None:
        values = [r[key] / (r["bots"] if per_bot else 1) for r in results]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        table.add_row(label, *(fmt.format(v) for v in values), f"{ratio:.1f}x")

    row("series of the bots' job", "bot_series")
    row("  per bot", "bot_series", "{:,.1f}", per_bot=True)
    row("head series (all, recording rules included)", "head_series")
    row("samples of one rule evaluation round", "recorded_series")
    row("Prometheus resident memory, MiB", "rss_mb", "{:,.0f}")
    row("scrape duration per endpoint of 100 bots, s", "scrape_s", "{:.3f}")
    row("rule evaluation per round (all groups), s", "rules_s", "{:.3f}")
    row("ETL from Prometheus, samples/s", "etl_prometheus_samples_s")
    row("ETL from VictoriaMetrics, samples/s", "etl_victoriametrics_samples_s")
    row("series loaded by the default queries", "loaded_series")
    row("  per bot", "loaded_series", "{:,.1f}", per_bot=True)
    console.print(table)
    last = results[-1]
    month = 30 * 86_400 / 60  # the default step: one point a minute
    per_bot_month = last["bytes_per_sample"] * last["loaded_series"] / last["bots"] * month
    console.print(
        f"Warehouse, metric samples: {last['bytes_per_sample']:.0f} bytes per sample (PostgreSQL, with indexes); "
        f"at the default 1-minute step {per_bot_month / 2**20:.1f} MiB per bot per month."
    )
    top = ", ".join(f"{name} {n}" for name, n in families.most_common(6))
    console.print(f"Series per bot: {per_bot} from the template; the largest families: {top}.")
    console.print(f"The template bot wrote {events} events while it ran (tick 0.3 s).")


if __name__ == "__main__":
    main()
