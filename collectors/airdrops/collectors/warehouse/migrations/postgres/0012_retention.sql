-- Retention of metric samples (airdrops.collectors.retention): the months that started before a
-- boundary leave metric_samples, detached and dropped, or only detached (the table stays, outside
-- every query, for an archive to take). The partitions belong to the migrations' owner, so the ETL
-- calls this function, as it does metric_samples_ensure_partition; the same lock keeps the two apart.
CREATE FUNCTION metric_samples_forget_before(p_boundary timestamptz, p_detach_only boolean) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    part name;
    month_start timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('airdrops.metric_samples.partition'));
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'metric_samples'::regclass AND c.relname ~ '^metric_samples_p[0-9]{6}$'
        ORDER BY 1
    LOOP
        month_start := make_timestamptz(substr(part, 17, 4)::int, substr(part, 21, 2)::int, 1, 0, 0, 0, 'UTC');
        CONTINUE WHEN month_start >= p_boundary;
        EXECUTE format('ALTER TABLE metric_samples DETACH PARTITION %I', part);
        IF NOT p_detach_only THEN
            EXECUTE format('DROP TABLE %I', part);
        END IF;
        RETURN NEXT to_char(month_start AT TIME ZONE 'UTC', 'YYYY-MM');
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION metric_samples_forget_before(timestamptz, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION metric_samples_forget_before(timestamptz, boolean) TO airdrops_etl;
