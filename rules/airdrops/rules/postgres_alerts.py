"""Alerting rules on the warehouse's PostgreSQL server, from prometheus-postgres-exporter's series.

After the postgres_exporter mixin, with every threshold and wait from `RulesConfig`. The series are
listed in `stack_alerts.STACK_SERIES`; like the other stack alerts they name `instance` (the
inventory name of the database host), not a bot.
"""

from __future__ import annotations

from airdrops.rules.config import RulesConfig, seconds
from airdrops.rules.expr import aggregate, num, pct
from airdrops.rules.model import Alert, Group
from airdrops.rules.stack_alerts import selector

_BY = "by (job, instance)"
#: Databases every cluster has; their size and activity are PostgreSQL's, not the warehouse's.
_USER_DBS = 'datname!~"template0|template1|"'


# The quantities the alerts compare with their thresholds, also drawn by the stack health
# dashboard; `pg` is the job's selector, with any more matchers.
def connections_used(pg: str) -> str:
    """Share of the connections open to ordinary users (max_connections less the superuser reserve) in use."""
    backends = aggregate(f"sum {_BY}", selector("pg_stat_database_numbackends", pg))
    allowed = (
        f"max {_BY} ({selector('pg_settings_max_connections', pg)})\n"
        f"- max {_BY} ({selector('pg_settings_superuser_reserved_connections', pg)})"
    )
    return f"{backends}\n/ on (job, instance)\n(\n  {allowed}\n)"


def longest_transaction(pg: str) -> str:
    """Seconds the oldest open transaction of each database has run (idle sessions have none)."""
    tx = selector("pg_stat_activity_max_tx_duration", pg, 'state!="idle"')
    return aggregate("max by (job, instance, datname)", tx)


def backup_finished(node: str) -> str:
    """When the last successful backup of each database started (written by airdrops-pg-backup for
    node_exporter's textfile collector: `node` selects node_exporter's job)."""
    return selector("warehouse_backup_last_success_timestamp_seconds", node)


def postgres(cfg: RulesConfig) -> Group:
    pg = cfg.postgres_selector
    size = selector("pg_database_size_bytes", pg, _USER_DBS)
    # The exact count: increase() would extrapolate 1 deadlock to 1.1.
    deadlocks = selector("pg_stat_database_deadlocks", pg, _USER_DBS)
    return Group(
        "stack-postgres",
        (
            Alert(
                "PostgresDown",
                f"{selector('pg_up', pg)} == 0",
                "critical",
                "The warehouse's PostgreSQL server is unreachable.",
                "postgres_exporter on {{ $labels.instance }} cannot connect to PostgreSQL: the ETL cannot load "
                "and the dashboards over the warehouse show nothing.",
                cfg.postgres_down_for,
            ),
            Alert(
                "PostgresConnectionsNearMax",
                f"{connections_used(pg)}\n> {num(cfg.postgres_connections_ratio)}",
                "warning",
                "PostgreSQL is running out of connections.",
                "PostgreSQL on {{ $labels.instance }} uses {{ $value | humanizePercentage }} of the connections "
                f"open to ordinary users (over {pct(cfg.postgres_connections_ratio)}): the next ones are refused.",
                cfg.postgres_connections_for,
            ),
            Alert(
                "PostgresDeadlocks",
                f"{deadlocks}\n- {deadlocks} offset {cfg.postgres_deadlock_window}\n> 0",
                "warning",
                "PostgreSQL transactions deadlock.",
                "Database {{ $labels.datname }} on {{ $labels.instance }} had {{ $value | humanize }} deadlocks "
                f"in {cfg.postgres_deadlock_window}: one transaction of each was aborted.",
            ),
            Alert(
                "PostgresDatabaseGrowingFast",
                f"(\n  {size}\n  - {size} offset 1d\n)\n> {cfg.postgres_growth_min_bytes}\n"
                f"and\n{size}\n/ {size} offset 1d\n> {num(1 + cfg.postgres_growth_ratio)}",
                "warning",
                "A PostgreSQL database grows unusually fast.",
                "Database {{ $labels.datname }} on {{ $labels.instance }} grew by {{ $value | humanize1024 }}B in "
                f"a day, more than {pct(cfg.postgres_growth_ratio)} of its size then: check what writes to it "
                "before the disk fills.",
                cfg.postgres_growth_for,
            ),
            Alert(
                "PostgresLongTransaction",
                f"{longest_transaction(pg)}\n> {cfg.postgres_transaction_max_seconds}",
                "warning",
                "A PostgreSQL transaction has been open for long.",
                "A transaction in database {{ $labels.datname }} on {{ $labels.instance }} has been open for "
                "{{ $value | humanizeDuration }}: it holds locks and keeps VACUUM from reclaiming space.",
                cfg.postgres_transaction_for,
            ),
            Alert(
                "PostgresBackupTooOld",
                f"time() - {backup_finished(cfg.node_selector)}\n> {seconds(cfg.postgres_backup_max_age)}",
                "warning",
                "The warehouse's last backup is too old.",
                "The last successful backup of database {{ $labels.database }} on {{ $labels.instance }} "
                f"started {{{{ $value | humanizeDuration }}}} ago (over {cfg.postgres_backup_max_age}): "
                "airdrops-pg-backup fails or its timer stopped.",
                cfg.postgres_backup_for,
            ),
        ),
    )
