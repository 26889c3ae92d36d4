-- PostgreSQL's part of the tables (after ../common/0001_tables.sql): indexes, the partitioned
-- metric_samples, the quarantine's sequence and unique key.

CREATE INDEX events_raw_ts ON events_raw (ts);
CREATE INDEX events_raw_bot_ts ON events_raw (bot_id, ts);
CREATE INDEX transactions_ts ON transactions (ts);
CREATE INDEX transactions_bot_ts ON transactions (bot_id, ts);
CREATE INDEX transactions_protocol_ts ON transactions (protocol, ts);
CREATE INDEX claims_ts ON claims (ts);
CREATE INDEX claims_bot_ts ON claims (bot_id, ts);
CREATE INDEX claims_protocol_ts ON claims (protocol, ts);
CREATE INDEX allocations_ts ON allocations (ts);
CREATE INDEX allocations_bot_ts ON allocations (bot_id, ts);
CREATE INDEX risk_breaches_ts ON risk_breaches (ts);
CREATE INDEX risk_breaches_bot_ts ON risk_breaches (bot_id, ts);
CREATE INDEX portfolio_snapshots_ts ON portfolio_snapshots (ts);
CREATE INDEX portfolio_snapshots_bot_ts ON portfolio_snapshots (bot_id, ts);
CREATE INDEX prices_ts ON prices (ts);
CREATE INDEX prices_token_ts ON prices (token, ts);
CREATE INDEX metric_series_metric ON metric_series (metric);
CREATE INDEX etl_runs_stream_started ON etl_runs (stream, started_at);

-- Monthly range partitions, created by metric_samples_ensure_partition() before a month is loaded;
-- anything outside them lands in the default partition (and moves out when its month is created).
CREATE TABLE metric_samples (
    series_id text COLLATE "C" NOT NULL,
    ts timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (series_id, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE metric_samples_default PARTITION OF metric_samples DEFAULT;

CREATE FUNCTION metric_samples_ensure_partition(p_ts timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    month_start timestamptz := date_trunc('month', p_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    month_end timestamptz := month_start + interval '1 month';
    part text := 'metric_samples_p' || to_char(month_start AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN part;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('airdrops.metric_samples.partition'));
    IF to_regclass(part) IS NOT NULL THEN  -- created meanwhile by another loader
        RETURN part;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE metric_samples INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    -- Rows of that month already in the default partition would block ATTACH: move them first.
    EXECUTE format(
        'WITH moved AS (DELETE FROM metric_samples_default WHERE ts >= %L AND ts < %L RETURNING *) '
        'INSERT INTO %I SELECT * FROM moved', month_start, month_end, part);
    EXECUTE format('ALTER TABLE metric_samples ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   part, month_start, month_end);
    RETURN part;
END
$$;

CREATE SEQUENCE etl_quarantine_id_seq;
CREATE TABLE etl_quarantine (
    id bigint PRIMARY KEY DEFAULT nextval('etl_quarantine_id_seq'),
    run_id text NOT NULL,
    stream text NOT NULL,
    source text NOT NULL,
    raw text NOT NULL,
    reason text NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE etl_quarantine_id_seq OWNED BY etl_quarantine.id;
CREATE UNIQUE INDEX etl_quarantine_stream_source ON etl_quarantine (stream, source);
