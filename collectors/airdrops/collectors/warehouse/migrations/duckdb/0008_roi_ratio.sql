-- ROI as a ratio, or NULL over a near-zero cost: ../postgres/0008_roi_ratio.sql, as a DuckDB macro.
CREATE MACRO roi_ratio(net, cost, gross) AS CASE
    WHEN cost >= (SELECT value FROM definitions WHERE name = 'roi_min_cost_usd')
     AND cost >= abs(gross) * (SELECT value FROM definitions WHERE name = 'roi_min_cost_share')
    THEN CAST(net AS double precision) / CAST(cost AS double precision)
END;
