"""Claim Success Rate: which claims succeed, per protocol, airdrop and chain, and why the others fail."""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.analytics import sql as q
from airdrops.dashboards.analytics.common import new_dashboard
from airdrops.dashboards.analytics.panels import bars, stat, table, timeseries
from airdrops.dashboards.panels import number_panels, row
from airdrops.rules.config import DEFAULT, RulesConfig

UID = "airdrops-claim-success"
TITLE = "Airdrops / Claim Success Rate"
DESCRIPTION = (
    "Airdrop claims from the warehouse: success rate over time per protocol, attempts by outcome, success per "
    "chain and per airdrop, and the reasons claims fail. Rates are succeeded / counted attempts over the time "
    "range; expected outcomes ({}) are not counted (docs/analytics.md)."
)
RATE_STEPS = ((None, "red"), (0.5, "orange"), (0.9, "green"))


def dashboard(cfg: RulesConfig = DEFAULT) -> model.Dashboard:
    """The dashboard; its texts name the site's expected outcomes (the SQL reads them from `claim_reasons`)."""
    expected = ", ".join(cfg.expected_claim_reasons)
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION.format(expected), ["bot_id", "chain", "protocol", "airdrop"])
        .with_row(row("Summary"))
        .with_panel(
            stat(
                "Claim success rate",
                "Claims that succeeded over counted attempts (expected outcomes left out).",
                "percentunit",
                q.SUCCESS_RATIO,
                steps=RATE_STEPS,
            )
        )
        .with_panel(stat("Claims attempted", "Claim transactions tried.", "short", q.ATTEMPTS))
        .with_panel(
            stat(
                "Claims failed",
                "Claims that failed for a fault (expected outcomes are counted apart).",
                "short",
                q.FAILED,
                steps=((None, "green"), (1, "orange")),
            )
        )
        .with_panel(
            stat(
                "Expected outcomes",
                f"Failed claims that are outcomes, not faults: {expected}.",
                "short",
                q.EXPECTED,
            )
        )
        .with_panel(stat("Airdrops", "Airdrops with at least one claim attempt.", "short", q.AIRDROPS_CLAIMED))
        .with_row(row("Over time"))
        .with_panel(
            timeseries(
                "Success rate per day by protocol",
                "Claims succeeded over counted attempts, per UTC day.",
                "percentunit",
                [q.RATE_BY_PROTOCOL],
            )
        )
        .with_panel(
            timeseries(
                "Claims per day by outcome",
                "Claim attempts per UTC day that succeeded, failed for a fault, or ended in an expected outcome.",
                "short",
                [q.ATTEMPTS_BY_OUTCOME],
                stacked=True,
            )
        )
        .with_panel(
            timeseries(
                "Failures per day by reason",
                "Failed claims per UTC day, by the reason the bot recorded.",
                "short",
                [q.FAILURES_BY_REASON],
                stacked=True,
            )
        )
        .with_panel(
            bars(
                "Success rate by chain",
                "Claims succeeded over counted attempts, per chain.",
                "percentunit",
                q.RATE_BY_CHAIN,
                "chain",
                steps=RATE_STEPS,
            )
        )
        .with_row(row("Per airdrop"))
        .with_panel(
            table(
                "Claims per airdrop",
                "Attempts, successes, failures, expected outcomes and counted attempts per airdrop, the worst success "
                "rate first.",
                q.BY_AIRDROP,
                {"success_rate": "percentunit"},
                width=12,
            )
        )
        .with_panel(
            table(
                "Why claims fail",
                "Failed claims per airdrop and reason (expected: an outcome, not a fault), with the wallets affected.",
                q.REASONS_BY_AIRDROP,
                {},
                width=12,
            )
        )
    )
    return number_panels(dash.build())
