"""The agreement test's bot: the reference bot's adapters and SDK on a real chain, driven by a script.

    python -m tests.integration.agreement_bot RPC_URL METRICS_PORT EVENTS_DIR BOT_ID

It deploys the world, builds the live bot (which declares its counters at 0), prints `declared`, and
waits for `go` on stdin, so Prometheus scrapes the zeros before anything counts. Then it plays the
scenario below with known outcomes, prints one JSON line (wallets, blocks, what each step returned) and
keeps its /metrics endpoint up until stdin closes. RPC errors are real: the bot reaches its node through
a proxy that the script cuts.

Claims: two succeed, one was claimed already, one wallet is not eligible, one reverts (too little gas),
one fails on the RPC. Transactions: three swaps, a bridge and a deposit succeed (the pool and the bridge
keep fees), one swap reverts (more than the wallet holds), one fails on the RPC.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from airdrops import monitoring
from airdrops.bot.live import LiveBot, LiveConfig, LiveSummary
from airdrops.monitoring.vocabulary import BOT_JOB
from airdrops.protocols import ChainUnavailable, TxOutcome, deploy_world, make_web3
from airdrops.services.outage import CuttableProxy


def main(rpc_url: str, port: int, events_dir: str, bot_id: str) -> None:
    handle = monitoring.configure(BOT_JOB, bot_id=bot_id, port=port, events_dir=events_dir)
    host, node_port = rpc_url.removeprefix("http://").rsplit(":", 1)
    with CuttableProxy(host, int(node_port)) as proxy:
        world = deploy_world(make_web3(proxy.url, provider_name="local"), 6, "agreement", wallet_eth=Decimal(2))
        bot = LiveBot(world, LiveConfig(wallets=6), LiveSummary())
        print("declared", flush=True)
        if sys.stdin.readline().strip() != "go":
            return
        first_block = world.w3.eth.block_number + 1
        steps: list[dict[str, Any]] = []

        def record(step: str, call: Any) -> None:
            try:
                outcome: TxOutcome = call()
                steps.append({"step": step, "success": outcome.success, "error": outcome.error})
            except ChainUnavailable:
                steps.append({"step": step, "success": False, "error": "unreachable"})

        eligible, ineligible = world.eligible_wallets, world.ineligible_wallets
        bot.prices()
        record("claim", lambda: bot.claim.execute(eligible[0]))
        record("claim again", lambda: bot.claim.execute(eligible[0]))
        record("claim not eligible", lambda: bot.claim.execute(ineligible[0]))
        bot.claim.gas_buffer = 0.6  # too little gas: the claim is mined and reverts without a reason
        record("claim out of gas", lambda: bot.claim.execute(eligible[1]))
        bot.claim.gas_buffer = 1.2
        record("swap", lambda: bot.swap.execute(eligible[1], Decimal(100)))
        record("swap", lambda: bot.swap.execute(eligible[2], Decimal("37.5")))
        record("bridge", lambda: bot.bridge.execute(eligible[2], Decimal(80)))
        record("lend", lambda: bot.lend.execute(ineligible[0], Decimal(250)))
        record("swap too big", lambda: bot.swap.execute(eligible[0], Decimal(10**7)))
        proxy.cut()
        record("claim while the RPC is down", lambda: bot.claim.execute(eligible[2]))
        record("swap while the RPC is down", lambda: bot.swap.execute(eligible[0], Decimal(10)))
        proxy.restore()
        record("claim after the outage", lambda: bot.claim.execute(eligible[2]))
        record("swap", lambda: bot.swap.execute(eligible[3], Decimal(60)))
        bot.prices()
        bot.portfolio()
        handle.flush()
        result = {
            "wallets": [w.address for w in world.wallets],
            "first_block": first_block,
            "last_block": world.w3.eth.block_number,
            "pool": world.pool.address,
            "escrow": world.escrow.address,
            "distributor": world.distributor.address,
            "steps": steps,
        }
        print(json.dumps(result), flush=True)
        sys.stdin.read()  # serve /metrics until the test is done with it
    handle.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
