-- DuckDB's part of the tables (after ../common/0001_tables.sql). No secondary indexes: DuckDB
-- prunes scans with zone maps, and ART indexes slow bulk loads.

-- Not partitioned (PostgreSQL partitions it by month).
CREATE TABLE metric_samples (
    series_id text NOT NULL,
    ts timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (series_id, ts)
);

CREATE SEQUENCE etl_quarantine_id_seq;
CREATE TABLE etl_quarantine (
    id bigint PRIMARY KEY DEFAULT nextval('etl_quarantine_id_seq'),
    run_id text NOT NULL,
    stream text NOT NULL,
    source text NOT NULL,
    raw text NOT NULL,
    reason text NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream, source)
);
