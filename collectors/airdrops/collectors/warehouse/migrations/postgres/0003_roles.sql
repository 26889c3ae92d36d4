-- Least privilege (issue 4): NOLOGIN group roles; provisioning grants them to login users.
--   airdrops_etl     the ETL: read and write the tables, create metric partitions through the function
--   airdrops_reader  Grafana and reports: SELECT on the views only, never on the tables
-- Roles are cluster-wide: create them once, grant in every database migrated.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airdrops_etl') THEN
        CREATE ROLE airdrops_etl NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airdrops_reader') THEN
        CREATE ROLE airdrops_reader NOLOGIN;
    END IF;
END
$$;

DO $$
DECLARE
    s text := current_schema();
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO airdrops_etl, airdrops_reader', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA %I TO airdrops_etl', s);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO airdrops_etl', s);
    -- Tables of later migrations (and metric partitions) get the writer's grants too; views are granted
    -- to the reader one by one, in the migration that creates them.
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE ON TABLES TO airdrops_etl', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO airdrops_etl', s);
END
$$;

GRANT DELETE ON roi_results TO airdrops_etl;  -- `airdrops report` replaces its results
REVOKE EXECUTE ON FUNCTION metric_samples_ensure_partition(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION metric_samples_ensure_partition(timestamptz) TO airdrops_etl;
GRANT SELECT ON claim_success_rate, roi_by_protocol, roi_by_airdrop, portfolio_value_daily TO airdrops_reader;
