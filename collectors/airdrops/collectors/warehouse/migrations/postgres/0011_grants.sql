-- The reporting role (Grafana) reads the vocabulary's tables and the views of 0009 and 0010 (never the
-- metric tables themselves); the ETL keeps the vocabulary's tables in sync with the code (rows come and go
-- as it changes).
GRANT SELECT ON claim_reasons, definitions TO airdrops_reader;
GRANT DELETE ON claim_reasons, definitions TO airdrops_etl;
GRANT SELECT ON claim_attempts, claim_success_rate, claim_outcomes, gas_costs_daily, costs_by_wallet,
    roi_by_protocol, roi_by_airdrop, airdrop_returns, ops_daily, prometheus_vs_events TO airdrops_reader;
