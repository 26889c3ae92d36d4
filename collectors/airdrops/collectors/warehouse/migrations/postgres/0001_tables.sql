-- Tables of the warehouse (PostgreSQL 15). Same logical tables as ../duckdb/0001_tables.sql:
-- a test compares every column name and type across the two.
-- Money and token amounts: numeric(38,18); wei: numeric(38,0); times: timestamptz (UTC).
-- Ids are COLLATE "C": byte order, as in DuckDB, and no strcoll() on every index comparison.

CREATE TABLE events_raw (
    event_id text COLLATE "C" PRIMARY KEY,
    ts timestamptz NOT NULL,
    type text NOT NULL,
    bot_id text NOT NULL,
    payload jsonb NOT NULL
);

CREATE TABLE transactions (
    event_id text COLLATE "C" PRIMARY KEY,
    ts timestamptz NOT NULL,
    bot_id text NOT NULL,
    chain text NOT NULL,
    protocol text NOT NULL,
    action text NOT NULL,
    wallet text NOT NULL,
    outcome text NOT NULL,
    tx_hash text,
    amount numeric(38,18),
    token text,
    error text,
    gas_used bigint,
    gas_price_wei numeric(38,0),
    fee_native numeric(38,18),
    fee_usd numeric(38,18)
);

CREATE TABLE claims (
    event_id text COLLATE "C" PRIMARY KEY,
    ts timestamptz NOT NULL,
    bot_id text NOT NULL,
    chain text NOT NULL,
    protocol text NOT NULL,
    airdrop text NOT NULL,
    wallet text NOT NULL,
    outcome text NOT NULL,
    reason text,
    amount numeric(38,18),
    token text,
    value_usd numeric(38,18),
    tx_hash text,
    gas_used bigint,
    gas_price_wei numeric(38,0),
    fee_native numeric(38,18),
    fee_usd numeric(38,18)
);

CREATE TABLE allocations (
    event_id text COLLATE "C" PRIMARY KEY,
    ts timestamptz NOT NULL,
    bot_id text NOT NULL,
    protocol text NOT NULL,
    action text NOT NULL,
    amount_usd numeric(38,18) NOT NULL,
    target_usd numeric(38,18),
    chain text,
    wallet text
);

CREATE TABLE risk_breaches (
    event_id text COLLATE "C" PRIMARY KEY,
    ts timestamptz NOT NULL,
    bot_id text NOT NULL,
    rule text NOT NULL,
    value numeric(38,18) NOT NULL,
    limit_value numeric(38,18) NOT NULL,
    severity text NOT NULL,
    protocol text,
    wallet text,
    action_taken text
);

CREATE TABLE portfolio_snapshots (
    event_id text COLLATE "C" PRIMARY KEY,
    ts timestamptz NOT NULL,
    bot_id text NOT NULL,
    snapshot_id text NOT NULL,
    wallet text NOT NULL,
    chain text NOT NULL,
    token text NOT NULL,
    protocol text,
    amount numeric(38,18) NOT NULL,
    value_usd numeric(38,18) NOT NULL
);

CREATE TABLE prices (
    event_id text COLLATE "C" PRIMARY KEY,
    ts timestamptz NOT NULL,
    bot_id text NOT NULL,
    token text NOT NULL,
    price_usd numeric(38,18) NOT NULL,
    source text NOT NULL
);

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

-- Aggregated metrics from Prometheus. series_id = sha1 hex of metric + sorted labels.
CREATE TABLE metric_series (
    series_id text COLLATE "C" PRIMARY KEY,
    metric text NOT NULL,
    labels jsonb NOT NULL
);
CREATE INDEX metric_series_metric ON metric_series (metric);

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

-- ETL bookkeeping.
CREATE TABLE etl_runs (
    run_id text PRIMARY KEY,
    stream text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    window_start timestamptz,
    window_end timestamptz,
    rows_extracted bigint NOT NULL DEFAULT 0,
    rows_loaded bigint NOT NULL DEFAULT 0,
    rows_quarantined bigint NOT NULL DEFAULT 0,
    error text
);
CREATE INDEX etl_runs_stream_started ON etl_runs (stream, started_at);

CREATE TABLE etl_watermarks (
    stream text PRIMARY KEY,
    position text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE etl_reconciliation (
    run_id text NOT NULL,
    stream text NOT NULL,
    check_name text NOT NULL,
    source_value numeric(38,18) NOT NULL,
    target_value numeric(38,18) NOT NULL,
    ok boolean NOT NULL,
    PRIMARY KEY (run_id, check_name)
);

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

-- Written by `airdrops report` (optional).
CREATE TABLE roi_results (
    computed_at timestamptz NOT NULL,
    scope text NOT NULL CHECK (scope IN ('protocol', 'airdrop')),
    key text NOT NULL,
    cost_usd numeric(38,18),
    return_realized_usd numeric(38,18),
    return_unrealized_usd numeric(38,18),
    roi double precision
);
