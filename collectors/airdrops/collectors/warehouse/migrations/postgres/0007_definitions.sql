-- The vocabulary's definitions in the warehouse (airdrops.monitoring.vocabulary, synced on every migrate by
-- airdrops.collectors.warehouse.definitions): the claim taxonomy and the thresholds of the ratios. The views
-- read them from here, so no view restates which claim reasons count or when an ROI means nothing.
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

-- ROI as a ratio, or NULL where the cost is too small to give a meaningful one (docs/analytics.md).
CREATE FUNCTION roi_ratio(net numeric, cost numeric, gross numeric) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN cost >= (SELECT value FROM definitions WHERE name = 'roi_min_cost_usd')
         AND cost >= abs(gross) * (SELECT value FROM definitions WHERE name = 'roi_min_cost_share')
        THEN CAST(net AS double precision) / CAST(cost AS double precision)
    END
$$;
