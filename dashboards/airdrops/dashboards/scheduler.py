"""Scheduler Performance: do the bot's jobs run on time, succeed, and keep up?"""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards import queries as q
from airdrops.dashboards.common import new_dashboard
from airdrops.dashboards.panels import bar_gauge, number_panels, row, timeseries

UID = "airdrops-scheduler"
TITLE = "Airdrops / Scheduler Performance"
DESCRIPTION = (
    "The reference bot's scheduler: job runs and failures, durations, retries and missed runs, the queue "
    "of due jobs, and how long each job has gone without a success compared with its interval."
)


def dashboard() -> model.Dashboard:
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION)
        .with_row(row("Runs"))
        .with_panel(timeseries("Job runs by outcome", "Job executions per second.", "ops", [q.JOB_RUNS]))
        .with_panel(
            timeseries(
                "Job failure ratio", "Share of each job's runs that failed.", "percentunit", [q.JOB_FAILURE_RATIO]
            )
        )
        .with_panel(
            timeseries(
                "Job duration", "Wall-clock duration of job runs, p50/p95/p99 per job.", "s", q.JOB_DURATION, width=24
            )
        )
        .with_row(row("Reliability"))
        .with_panel(
            timeseries("Retries", "Retries scheduled after failed runs, per second.", "ops", [q.JOB_RETRIES], width=8)
        )
        .with_panel(
            timeseries(
                "Missed runs",
                "Runs skipped because the job was late by more than its interval, per second.",
                "ops",
                [q.JOB_MISSED],
                width=8,
            )
        )
        .with_panel(timeseries("Queue depth", "Jobs due and waiting to run.", "short", [q.QUEUE_DEPTH], width=8))
        .with_row(row("Freshness"))
        .with_panel(
            timeseries(
                "Time since last success vs interval",
                "Seconds since each job last succeeded (worst bot), beside its configured interval (dashed).",
                "s",
                [q.SINCE_LAST_SUCCESS, q.JOB_INTERVAL],
                dashed_series=".* interval$",
            )
        )
        .with_panel(
            bar_gauge(
                "Intervals since last success",
                "How many intervals each job has gone without a success; above 2 it is falling behind.",
                "short",
                [q.INTERVALS_SINCE_SUCCESS],
                steps=((None, "green"), (2, "orange"), (3, "red")),
                bounds=(0, 5),
            )
        )
    )
    return number_panels(dash.build())
