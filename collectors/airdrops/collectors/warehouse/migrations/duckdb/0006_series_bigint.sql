-- series_id becomes an int8: the first 8 bytes of the same sha1, signed big-endian (see
-- ../postgres/0006_series_bigint.sql). DuckDB cannot change the type of a key column: rebuild.
CREATE MACRO _airdrops_sha1_int8(hex) AS CAST(
    CAST(CAST('0x' || substr(hex, 1, 16) AS UBIGINT) AS HUGEINT)
    - CASE WHEN substr(hex, 1, 1) >= '8' THEN CAST(18446744073709551616 AS HUGEINT) ELSE 0 END
    AS BIGINT);

CREATE TABLE metric_series_int8 (
    series_id bigint PRIMARY KEY,
    metric text NOT NULL,
    labels JSON NOT NULL
);
INSERT INTO metric_series_int8 SELECT _airdrops_sha1_int8(series_id), metric, labels FROM metric_series;
DROP TABLE metric_series;
ALTER TABLE metric_series_int8 RENAME TO metric_series;

CREATE TABLE metric_samples_int8 (
    series_id bigint NOT NULL,
    ts timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (series_id, ts)
);
INSERT INTO metric_samples_int8 SELECT _airdrops_sha1_int8(series_id), ts, value FROM metric_samples;
DROP TABLE metric_samples;
ALTER TABLE metric_samples_int8 RENAME TO metric_samples;

DROP MACRO _airdrops_sha1_int8;
