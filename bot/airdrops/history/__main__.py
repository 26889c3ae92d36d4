"""`python -m airdrops.history`: simulate and write the event log, print the summary as JSON."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from datetime import UTC, datetime

from airdrops import monitoring
from airdrops.history import DEFAULT_START, simulate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m airdrops.history", description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--wallets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=DEFAULT_START,
        help="ISO date or time, UTC unless it names a zone (default 2025-01-01)",
    )
    parser.add_argument("--events-dir", default="events")
    parser.add_argument("--bot-id", default="history-sim")
    parser.add_argument("--port", type=int, default=0, help="/metrics port (0: any free port)")
    args = parser.parse_args(argv)
    start = args.start if args.start.tzinfo else args.start.replace(tzinfo=UTC)
    logging.basicConfig(level=logging.ERROR)
    handle = monitoring.configure(
        "airdrops-history", bot_id=args.bot_id, port=args.port, events_dir=args.events_dir, instrument_requests=False
    )
    began = time.perf_counter()
    summary = simulate(args.days, args.wallets, args.seed, start)
    elapsed = time.perf_counter() - began
    handle.flush()
    path = handle.events_path
    handle.shutdown()
    out = {**dataclasses.asdict(summary), "events_path": str(path), "elapsed_s": round(elapsed, 2)}
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
