"""Alerting rules on the stack itself: its hosts (node_exporter), Prometheus and Alertmanager
(PostgreSQL's are in postgres_alerts.py, reading the series listed here too).

The expressions follow the monitoring mixins (node-mixin, prometheus-mixin, alertmanager-mixin),
with every threshold and wait from `RulesConfig`. These series carry no `bot_id`: they keep
`instance` (the inventory name the prometheus role gives each target), which the descriptions name.
"""

from __future__ import annotations

from airdrops.rules import expr
from airdrops.rules.config import RulesConfig, seconds
from airdrops.rules.expr import aggregate, num, pct
from airdrops.rules.model import Alert, Group

_FS = ("device", "fstype", "mountpoint")
#: The filesystem alerts' names: when one is almost full, Alertmanager silences its filling-up warning.
FILESYSTEM_FILLING_ALERT = "NodeFilesystemFillingUp"
FILESYSTEM_FULL_ALERT = "NodeFilesystemAlmostFull"
#: The labels that make one filesystem of one host.
FILESYSTEM_LABELS = ("instance", *_FS)
_RW = ("remote_name", "url")
#: Every series these alerts read, as the exporter that serves it names it, with its labels (besides
#: job and instance): the catalogue of what the project does not write. Rules may use no other
#: (tests/rules/test_metric_names.py), and the real exporters must serve them (`when`: only then).
STACK_SERIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "node_filesystem_avail_bytes": ("node_exporter", _FS, ""),
    "node_filesystem_size_bytes": ("node_exporter", _FS, ""),
    "node_filesystem_readonly": ("node_exporter", _FS, ""),
    "node_memory_MemAvailable_bytes": ("node_exporter", (), ""),
    "node_memory_MemTotal_bytes": ("node_exporter", (), ""),
    "node_timex_offset_seconds": ("node_exporter", (), ""),
    "node_timex_sync_status": ("node_exporter", (), ""),
    "node_timex_maxerror_seconds": ("node_exporter", (), ""),
    "node_systemd_unit_state": ("node_exporter", ("name", "state", "type"), "the systemd collector is on"),
    "node_load15": ("node_exporter", (), ""),
    "node_cpu_seconds_total": ("node_exporter", ("cpu", "mode"), ""),
    "prometheus_config_last_reload_successful": ("prometheus", (), ""),
    "prometheus_rule_evaluation_failures_total": ("prometheus", ("rule_group",), "rules are loaded"),
    "prometheus_notifications_errors_total": ("prometheus", ("alertmanager",), "an Alertmanager is configured"),
    "prometheus_notifications_sent_total": ("prometheus", ("alertmanager",), "an Alertmanager is configured"),
    "prometheus_notifications_dropped_total": ("prometheus", (), ""),
    "prometheus_tsdb_compactions_failed_total": ("prometheus", (), ""),
    "prometheus_tsdb_wal_corruptions_total": ("prometheus", (), ""),
    "prometheus_remote_storage_highest_timestamp_in_seconds": ("prometheus", (), ""),
    "prometheus_remote_storage_queue_highest_sent_timestamp_seconds": ("prometheus", _RW, "remote_write is set"),
    "alertmanager_config_last_reload_successful": ("alertmanager", (), ""),
    "alertmanager_notifications_failed_total": ("alertmanager", ("integration", "reason"), ""),
    "alertmanager_notifications_total": ("alertmanager", ("integration",), ""),
    "alertmanager_cluster_members": ("alertmanager", (), "clustering is on"),
    "warehouse_backup_last_success_timestamp_seconds": ("node_exporter", ("database",), "backups are on"),
    "pg_up": ("postgres_exporter", (), ""),
    "pg_settings_max_connections": ("postgres_exporter", ("server",), ""),
    "pg_settings_superuser_reserved_connections": ("postgres_exporter", ("server",), ""),
    "pg_stat_database_numbackends": ("postgres_exporter", ("datid", "datname", "server"), ""),
    "pg_stat_database_deadlocks": ("postgres_exporter", ("datid", "datname", "server"), ""),
    "pg_database_size_bytes": ("postgres_exporter", ("datname", "server"), ""),
    "pg_stat_activity_max_tx_duration": ("postgres_exporter", ("datname", "server", "state"), ""),
}

#: Labels only newer releases than Debian 12's add; the expressions allow for them.
NEWER_LABELS = {"reason": "alertmanager_notifications_failed_total, Alertmanager 0.26 and later"}


def selector(name: str, *matchers: str) -> str:
    """`name{matchers}` for a series of `STACK_SERIES` (KeyError for any other)."""
    STACK_SERIES[name]
    return expr.selector(name, *matchers)


# The quantities the alerts compare with their thresholds, also drawn by the stack health
# dashboard; `node` is the job's selector, with any more matchers.
def filesystem_free(node: str) -> str:
    """Share of each real filesystem that is free."""
    fs = (node, 'fstype!=""', 'mountpoint!=""')
    return f"{selector('node_filesystem_avail_bytes', *fs)} / {selector('node_filesystem_size_bytes', *fs)}"


def memory_available(node: str) -> str:
    return f"{selector('node_memory_MemAvailable_bytes', node)} / {selector('node_memory_MemTotal_bytes', node)}"


def load_per_core(node: str) -> str:
    """The 15-minute load divided by the host's core count."""
    cores = aggregate("count by (job, instance)", selector("node_cpu_seconds_total", node, 'mode="idle"'))
    return f"{selector('node_load15', node)}\n/ on (job, instance)\n{cores}"


def hosts(cfg: RulesConfig) -> Group:
    node = cfg.node_selector
    fs = (node, 'fstype!=""', 'mountpoint!=""')
    avail = selector("node_filesystem_avail_bytes", *fs)
    writable = f"{selector('node_filesystem_readonly', *fs)} == 0"
    offset = selector("node_timex_offset_seconds", node)
    skew, the_fs = num(cfg.clock_offset_seconds), "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }}"
    failed_units = selector("node_systemd_unit_state", node, 'state="failed"')
    return Group(
        "stack-hosts",
        (
            Alert(
                FILESYSTEM_FILLING_ALERT,
                f"(\n  {filesystem_free(node)} < {num(cfg.filesystem_free_ratio)}\n"
                f"  and\n  predict_linear({avail}[{cfg.filesystem_trend_window}], "
                f"{seconds(cfg.filesystem_prediction_window)}) < 0\n  and\n  {writable}\n)",
                "warning",
                "A filesystem is predicted to fill up soon.",
                f"{the_fs} has {{{{ $value | humanizePercentage }}}} free and, at the rate of the last "
                f"{cfg.filesystem_trend_window}, fills up within {cfg.filesystem_prediction_window}.",
                cfg.filesystem_for,
            ),
            Alert(
                FILESYSTEM_FULL_ALERT,
                f"(\n  {filesystem_free(node)} < {num(cfg.filesystem_critical_ratio)}\n  and\n  {writable}\n)",
                "critical",
                "A filesystem is almost full.",
                f"{the_fs} has only {{{{ $value | humanizePercentage }}}} free (under "
                f"{pct(cfg.filesystem_critical_ratio)}): services writing there are about to fail.",
                cfg.filesystem_for,
            ),
            Alert(
                "NodeMemoryPressure",
                f"{memory_available(node)} < {num(cfg.memory_available_ratio)}",
                "warning",
                "A host is running out of memory.",
                "{{ $labels.instance }} has only {{ $value | humanizePercentage }} of its memory available "
                f"(under {pct(cfg.memory_available_ratio)}); the kernel is about to reclaim or kill processes.",
                cfg.memory_for,
            ),
            Alert(
                "NodeClockSkew",
                f"(\n  {offset} > {skew}\n  and\n  deriv({offset}[5m]) >= 0\n)\nor\n"
                f"(\n  {offset} < -{skew}\n  and\n  deriv({offset}[5m]) <= 0\n)",
                "warning",
                "A host's clock is off.",
                "The clock of {{ $labels.instance }} is {{ $value | humanizeDuration }} off and not converging: "
                "timestamps of events and samples from it are wrong.",
                cfg.clock_for,
            ),
            Alert(
                "NodeClockNotSynchronising",
                f"min_over_time({selector('node_timex_sync_status', node)}[5m]) == 0\n"
                f"and\n{selector('node_timex_maxerror_seconds', node)} >= 16",
                "warning",
                "A host's clock is not synchronised.",
                "{{ $labels.instance }} is not synchronising its clock with NTP (systemd-timesyncd or chrony).",
                cfg.clock_for,
            ),
            Alert(
                "NodeSystemdUnitFailed",
                f"{failed_units} == 1",
                "warning",
                "A systemd unit failed.",
                "Unit {{ $labels.name }} on {{ $labels.instance }} is in state failed.",
                cfg.systemd_failed_for,
            ),
            Alert(
                "NodeLoadHigh",
                f"{load_per_core(node)}\n> {num(cfg.load_per_core)}",
                "warning",
                "A host is overloaded.",
                "{{ $labels.instance }} has a 15-minute load of {{ $value | humanize }} per core (over "
                f"{num(cfg.load_per_core)}): work queues behind the CPUs.",
                cfg.load_for,
            ),
        ),
    )


def prometheus(cfg: RulesConfig) -> Group:
    prom, w = cfg.prometheus_selector, "5m"
    errors = f"rate({selector('prometheus_notifications_errors_total', prom)}[{w}])"
    sent = f"rate({selector('prometheus_notifications_sent_total', prom)}[{w}])"
    newest = f"max_over_time({selector('prometheus_remote_storage_highest_timestamp_in_seconds', prom)}[{w}])"
    shipped = f"max_over_time({selector('prometheus_remote_storage_queue_highest_sent_timestamp_seconds', prom)}[{w}])"
    others = (
        f"unless on (job, instance) up{{{cfg.bot_selector}}}\nunless on (job, instance) up{{{cfg.collector_selector}}}"
    )
    return Group(
        "stack-prometheus",
        (
            Alert(
                "StackTargetDown",
                f"up == 0\n{others}",
                "warning",
                "A stack target is down.",
                "Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}: what it exports (and "
                "the alerts on it) are blind.",
                cfg.target_down_for,
            ),
            Alert(
                "PrometheusConfigReloadFailed",
                f"max_over_time({selector('prometheus_config_last_reload_successful', prom)}[{w}]) == 0",
                "warning",
                "Prometheus could not load its configuration.",
                "Prometheus on {{ $labels.instance }} failed to reload its configuration: it runs the previous one.",
                cfg.stack_for,
            ),
            Alert(
                "PrometheusRuleEvaluationFailures",
                f"increase({selector('prometheus_rule_evaluation_failures_total', prom)}[{w}]) > 0",
                "critical",
                "Prometheus fails to evaluate rules.",
                "Prometheus on {{ $labels.instance }} failed {{ $value | humanize }} evaluations of group "
                "{{ $labels.rule_group }} in 5 minutes: its alerts may not fire.",
                cfg.stack_for,
            ),
            Alert(
                "PrometheusNotificationsFailing",
                f"{errors}\n/\n{sent}\n> {num(cfg.notification_error_ratio)}",
                "critical",
                "Prometheus cannot send alerts to an Alertmanager.",
                "{{ $value | humanizePercentage }} of the alerts Prometheus on {{ $labels.instance }} sends to "
                "{{ $labels.alertmanager }} fail: nobody is paged through it.",
                cfg.stack_for,
            ),
            Alert(
                "PrometheusNotificationsDropped",
                f"increase({selector('prometheus_notifications_dropped_total', prom)}[{w}]) > 0",
                "warning",
                "Prometheus dropped alert notifications.",
                "Prometheus on {{ $labels.instance }} dropped {{ $value | humanize }} alert notifications in 5 "
                "minutes (queue full or no Alertmanager).",
                cfg.stack_for,
            ),
            Alert(
                "PrometheusTsdbCompactionsFailing",
                f"increase({selector('prometheus_tsdb_compactions_failed_total', prom)}[3h]) > 0",
                "warning",
                "Prometheus storage compactions fail.",
                "Prometheus on {{ $labels.instance }} failed {{ $value | humanize }} compactions in 3 hours: its "
                "disk use grows and queries slow down.",
                "4h",
            ),
            Alert(
                "PrometheusTsdbWalCorruptions",
                f"increase({selector('prometheus_tsdb_wal_corruptions_total', prom)}[3h]) > 0",
                "warning",
                "Prometheus found its write-ahead log corrupted.",
                "Prometheus on {{ $labels.instance }} found {{ $value | humanize }} corruptions of its write-ahead "
                "log in 3 hours: recent samples may be lost.",
                "4h",
            ),
            Alert(
                "PrometheusRemoteWriteBehind",
                f"(\n  {newest}\n  - ignoring (remote_name, url) group_right\n  {shipped}\n)"
                f"\n> {cfg.remote_write_behind_seconds}",
                "warning",
                "Prometheus' remote_write falls behind.",
                "Prometheus on {{ $labels.instance }} is {{ $value | humanizeDuration }} behind in sending samples "
                "to {{ $labels.remote_name }}: the long-term store lags, and the WAL may drop what it has not sent.",
                "15m",
            ),
        ),
    )


def alertmanager(cfg: RulesConfig) -> Group:
    am, w = cfg.alertmanager_selector, "5m"
    members = f"max_over_time({selector('alertmanager_cluster_members', am)}[{w}])"
    failed = f"rate({selector('alertmanager_notifications_failed_total', am)}[{w}])"
    total = f"rate({selector('alertmanager_notifications_total', am)}[{w}])"
    return Group(
        "stack-alertmanager",
        (
            Alert(
                "AlertmanagerConfigReloadFailed",
                f"max_over_time({selector('alertmanager_config_last_reload_successful', am)}[{w}]) == 0",
                "critical",
                "Alertmanager could not load its configuration.",
                "Alertmanager on {{ $labels.instance }} failed to reload its configuration: it routes with the "
                "previous one.",
                cfg.stack_for,
            ),
            Alert(
                "AlertmanagerNotificationsFailing",
                f"{failed}\n/ ignoring (reason) group_left\n{total}\n> {num(cfg.notification_error_ratio)}",
                "critical",
                "Alertmanager cannot deliver notifications.",
                "{{ $value | humanizePercentage }} of the notifications Alertmanager on {{ $labels.instance }} "
                "sends through {{ $labels.integration }} fail.",
                "5m",
            ),
            Alert(
                "AlertmanagerClusterMembersMissing",
                f"{members}\n< on (job) group_left\ncount by (job) ({members})",
                "critical",
                "An Alertmanager cluster member is missing.",
                "Alertmanager on {{ $labels.instance }} sees {{ $value }} cluster members, fewer than the job has: "
                "alerts may be sent twice or not deduplicated.",
                "15m",
            ),
        ),
    )


def groups(cfg: RulesConfig) -> list[Group]:
    return [hosts(cfg), prometheus(cfg), alertmanager(cfg)]
