-- The vocabulary's definitions in the warehouse: see ../postgres/0007_definitions.sql (same tables; DuckDB's
-- macro in place of PostgreSQL's SQL function).
CREATE TABLE claim_reasons (
    reason text PRIMARY KEY,
    outcome text NOT NULL,
    expected boolean NOT NULL,
    ineligible boolean NOT NULL,
    fallback boolean NOT NULL,
    description text NOT NULL
);

CREATE TABLE definitions (
    name text PRIMARY KEY,
    value double precision NOT NULL,
    description text NOT NULL
);

CREATE MACRO roi_ratio(net, cost, gross) AS CASE
    WHEN cost >= (SELECT value FROM definitions WHERE name = 'roi_min_cost_usd')
     AND cost >= abs(gross) * (SELECT value FROM definitions WHERE name = 'roi_min_cost_share')
    THEN CAST(net AS double precision) / CAST(cost AS double precision)
END;
