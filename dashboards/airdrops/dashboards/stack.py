"""Stack Health: are the hosts, Prometheus, Alertmanager and PostgreSQL themselves healthy?

The same series and the same quantities as the stack's alerts (rules/airdrops/rules/stack_alerts.py
and postgres_alerts.py): each panel draws what an alert compares with its threshold, from the same
function, and the thresholds come from the rules' configuration. Filtered by the `instance` (the
inventory name the prometheus role gives each target).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builder
from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.common import TAG, base_dashboard, datasource_variable, label_variable
from airdrops.dashboards.panels import number_panels, row, stat, state, timeseries
from airdrops.dashboards.queries import RANGE, RATE, Query
from airdrops.rules import postgres_alerts, stack_alerts
from airdrops.rules.config import DEFAULT, RulesConfig, seconds
from airdrops.rules.expr import aggregate
from airdrops.rules.model import Alert
from airdrops.rules.stack_alerts import selector

UID = "airdrops-stack"
TITLE = "Airdrops / Stack Health"
DESCRIPTION = (
    "The monitoring stack itself: scrape targets, the hosts (disk, memory, load, clock, failed units), "
    "Prometheus (rule evaluation, alert delivery, storage), Alertmanager (notifications) and the "
    "warehouse's PostgreSQL (connections, deadlocks, size, long transactions). Each panel draws what "
    "a stack alert watches."
)
INSTANCE = 'instance=~"$instance"'
#: The stack's own scrape jobs (the rules' selectors), for the targets panel and the variable.
STACK_JOBS = (
    DEFAULT.node_selector,
    DEFAULT.prometheus_selector,
    DEFAULT.alertmanager_selector,
    DEFAULT.postgres_selector,
)


def stack_alert_names() -> str:
    """Every stack alert's name as a regex alternation, from the rule groups themselves."""
    groups = [*stack_alerts.groups(DEFAULT), postgres_alerts.postgres(DEFAULT)]
    return "|".join(rule.alert for g in groups for rule in g.rules if isinstance(rule, Alert))


def _by(cfg_selector: str) -> str:
    return f"{cfg_selector}, {INSTANCE}"


def targets_row(dash: builder.Dashboard) -> builder.Dashboard:
    firing = f'count(ALERTS{{alertstate="firing", alertname=~"{stack_alert_names()}", {INSTANCE}}}) or vector(0)'
    return (
        dash.with_row(row("Targets"))
        .with_panel(
            timeseries(
                "Stack targets up",
                "1 while Prometheus scrapes the target, 0 when it fails (StackTargetDown after 5m).",
                "short",
                [Query(f"up{{{_by(job)}}}", "{{job}} {{instance}}") for job in STACK_JOBS],
                width=18,
            )
        )
        .with_panel(
            stat(
                "Firing stack alerts",
                "Alerts of the stack-* rule groups firing now on the chosen instances.",
                "short",
                [Query(firing)],
                steps=((None, "green"), (1, "red")),
                height=8,
            )
        )
    )


def hosts_row(dash: builder.Dashboard, cfg: RulesConfig) -> builder.Dashboard:
    node = _by(cfg.node_selector)
    failed = aggregate("sum by (instance)", selector("node_systemd_unit_state", node, 'state="failed"'))
    return (
        dash.with_row(row("Hosts"))
        .with_panel(
            timeseries(
                "Filesystem free",
                f"Share of each filesystem that is free; NodeFilesystemFillingUp watches under "
                f"{cfg.filesystem_free_ratio:.0%} with a falling trend, NodeFilesystemAlmostFull under "
                f"{cfg.filesystem_critical_ratio:.0%}.",
                "percentunit",
                [Query(stack_alerts.filesystem_free(node), "{{instance}} {{mountpoint}}")],
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Memory available",
                f"Share of memory available; NodeMemoryPressure under {cfg.memory_available_ratio:.0%}.",
                "percentunit",
                [Query(stack_alerts.memory_available(node), "{{instance}}")],
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Load per core",
                f"15-minute load average per core; NodeLoadHigh above {cfg.load_per_core:g}.",
                "short",
                [Query(stack_alerts.load_per_core(node), "{{instance}}")],
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Clock offset",
                f"Offset from NTP time; NodeClockSkew beyond {cfg.clock_offset_seconds:g} s.",
                "s",
                [Query(selector("node_timex_offset_seconds", node), "{{instance}}")],
            )
        )
        .with_panel(
            timeseries(
                "Failed systemd units",
                "Units in state failed per host (NodeSystemdUnitFailed).",
                "short",
                [Query(failed, "{{instance}}")],
            )
        )
    )


def prometheus_row(dash: builder.Dashboard, cfg: RulesConfig) -> builder.Dashboard:
    prom, am = _by(cfg.prometheus_selector), _by(cfg.alertmanager_selector)
    per_am = "instance, alertmanager"

    def rate(name: str, labels: str, where: str = prom) -> str:
        return aggregate(f"sum by ({labels})", f"rate({selector(name, where)}[{RATE}])")

    def total(name: str) -> str:
        return aggregate("sum by (instance)", f"increase({selector(name, prom)}[{RANGE}])")

    loaded = [
        Query(selector("prometheus_config_last_reload_successful", prom), "Prometheus {{instance}}"),
        Query(selector("alertmanager_config_last_reload_successful", am), "Alertmanager {{instance}}"),
    ]
    return (
        dash.with_row(row("Prometheus and Alertmanager"))
        .with_panel(
            stat(
                "Configuration loaded",
                "Whether the last configuration reload succeeded (PrometheusConfigReloadFailed, "
                "AlertmanagerConfigReloadFailed).",
                "short",
                loaded,
                steps=((None, "red"), (1, "green")),
                mappings=state({"0": ("FAILED", "red"), "1": ("OK", "green")}),
                width=8,
            )
        )
        .with_panel(
            stat(
                "Storage failures in range",
                "TSDB compactions failed and write-ahead log corruptions over the time range.",
                "short",
                [
                    Query(total("prometheus_tsdb_compactions_failed_total"), "compactions {{instance}}"),
                    Query(total("prometheus_tsdb_wal_corruptions_total"), "WAL {{instance}}"),
                ],
                steps=((None, "green"), (1, "red")),
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Rule evaluation failures",
                "Failed evaluations per second, per rule group (PrometheusRuleEvaluationFailures).",
                "ops",
                [Query(rate("prometheus_rule_evaluation_failures_total", "instance, rule_group"), "{{rule_group}}")],
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Alerts sent to Alertmanager",
                "Per second: sent, failed (PrometheusNotificationsFailing) and dropped "
                "(PrometheusNotificationsDropped).",
                "ops",
                [
                    Query(rate("prometheus_notifications_sent_total", per_am), "sent {{alertmanager}}"),
                    Query(rate("prometheus_notifications_errors_total", per_am), "failed {{alertmanager}}"),
                    Query(rate("prometheus_notifications_dropped_total", "instance"), "dropped {{instance}}"),
                ],
            )
        )
        .with_panel(
            timeseries(
                "Notifications by integration",
                "Alertmanager's notifications per second, and the failed ones (AlertmanagerNotificationsFailing).",
                "ops",
                [
                    Query(rate("alertmanager_notifications_total", "integration", am), "{{integration}}"),
                    Query(rate("alertmanager_notifications_failed_total", "integration", am), "failed {{integration}}"),
                ],
            )
        )
    )


def postgres_row(dash: builder.Dashboard, cfg: RulesConfig) -> builder.Dashboard:
    pg = _by(cfg.postgres_selector)
    user_dbs = 'datname!~"template0|template1|"'
    deadlocks = aggregate(
        "sum by (instance, datname)", f"increase({selector('pg_stat_database_deadlocks', pg, user_dbs)}[{RANGE}])"
    )
    return (
        dash.with_row(row("PostgreSQL"))
        .with_panel(
            stat(
                "PostgreSQL up",
                "Whether the exporter reaches the server (PostgresDown).",
                "short",
                [Query(selector("pg_up", pg), "{{instance}}")],
                steps=((None, "red"), (1, "green")),
                mappings=state({"0": ("DOWN", "red"), "1": ("UP", "green")}),
                width=4,
            )
        )
        .with_panel(
            stat(
                "Deadlocks in range",
                "Deadlocks per database over the time range (PostgresDeadlocks).",
                "short",
                [Query(deadlocks, "{{datname}}")],
                steps=((None, "green"), (1, "orange")),
                width=4,
            )
        )
        .with_panel(
            stat(
                "Last backup",
                f"Age of the last successful backup of each database; PostgresBackupTooOld above "
                f"{cfg.postgres_backup_max_age}.",
                "s",
                [Query(f"time() - {postgres_alerts.backup_finished(_by(cfg.node_selector))}", "{{database}}")],
                steps=((None, "green"), (seconds(cfg.postgres_backup_max_age), "red")),
                width=4,
            )
        )
        .with_panel(
            timeseries(
                "Connections used",
                f"Share of the connections open to ordinary users in use; PostgresConnectionsNearMax above "
                f"{cfg.postgres_connections_ratio:.0%}.",
                "percentunit",
                [Query(postgres_alerts.connections_used(pg), "{{instance}}")],
                width=12,
                height=4,
            )
        )
        .with_panel(
            timeseries(
                "Database size",
                "Size of each database (PostgresDatabaseGrowingFast compares it with a day earlier).",
                "bytes",
                [Query(selector("pg_database_size_bytes", pg, user_dbs), "{{instance}} {{datname}}")],
            )
        )
        .with_panel(
            timeseries(
                "Longest open transaction",
                f"Seconds the oldest open transaction of each database has run; PostgresLongTransaction "
                f"above {cfg.postgres_transaction_max_seconds} s.",
                "s",
                [Query(postgres_alerts.longest_transaction(pg), "{{instance}} {{datname}}")],
            )
        )
    )


def dashboard(cfg: RulesConfig = DEFAULT) -> model.Dashboard:
    jobs = "|".join(job.split('"')[1] for job in STACK_JOBS)
    instance = label_variable("instance", "Instance", f'label_values(up{{job=~"{jobs}"}}, instance)')
    dash = base_dashboard(
        UID, TITLE, DESCRIPTION, tags=[TAG, "stack"], time_from="now-6h", refresh="1m", datasource=datasource_variable()
    ).with_variable(instance)
    dash = postgres_row(prometheus_row(hosts_row(targets_row(dash), cfg), cfg), cfg)
    return number_panels(dash.build())
