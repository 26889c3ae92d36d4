-- ROI as a ratio, or NULL where the cost is too small to give a meaningful one (docs/analytics.md): the
-- thresholds come from the table definitions (0007). DuckDB has the same rule as a macro (../duckdb/).
CREATE FUNCTION roi_ratio(net numeric, cost numeric, gross numeric) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN cost >= (SELECT value FROM definitions WHERE name = 'roi_min_cost_usd')
         AND cost >= abs(gross) * (SELECT value FROM definitions WHERE name = 'roi_min_cost_share')
        THEN CAST(net AS double precision) / CAST(cost AS double precision)
    END
$$;
