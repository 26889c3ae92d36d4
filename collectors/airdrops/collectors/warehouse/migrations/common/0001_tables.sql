-- Tables of the warehouse, both dialects. `{{ id }}` is the type of ids (PostgreSQL: text COLLATE "C",
-- byte order as in DuckDB and no strcoll() on every index comparison; DuckDB: text), `{{ json }}` that
-- of JSON documents (jsonb, JSON). ../postgres/0001_tables.sql and ../duckdb/0001_tables.sql add what
-- differs: indexes, the partitioned metric_samples, the quarantine's sequence and unique key.
-- Money and token amounts: numeric(38,18); wei: numeric(38,0); times: timestamptz (UTC).

CREATE TABLE events_raw (
    event_id {{ id }} PRIMARY KEY,
    ts timestamptz NOT NULL,
    type text NOT NULL,
    bot_id text NOT NULL,
    payload {{ json }} NOT NULL
);

CREATE TABLE transactions (
    event_id {{ id }} PRIMARY KEY,
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
    event_id {{ id }} PRIMARY KEY,
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
    event_id {{ id }} PRIMARY KEY,
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
    event_id {{ id }} PRIMARY KEY,
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
    event_id {{ id }} PRIMARY KEY,
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
    event_id {{ id }} PRIMARY KEY,
    ts timestamptz NOT NULL,
    bot_id text NOT NULL,
    token text NOT NULL,
    price_usd numeric(38,18) NOT NULL,
    source text NOT NULL
);

-- Aggregated metrics from Prometheus. series_id = sha1 hex of metric + sorted labels.
CREATE TABLE metric_series (
    series_id {{ id }} PRIMARY KEY,
    metric text NOT NULL,
    labels {{ json }} NOT NULL
);

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
