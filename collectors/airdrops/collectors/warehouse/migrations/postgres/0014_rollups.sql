-- PostgreSQL's part of the rollups: airdrop_returns looks outflows up by token; the reader role reads the
-- views made again (a dropped view's grants go with it), never the rollup tables. The ETL's grants on the
-- new tables come from 0003's default privileges; the migrator (the owner) fills them.
CREATE INDEX token_outflows_token ON token_outflows (token);
GRANT SELECT ON claim_days, claim_success_rate, claim_outcomes, gas_costs_daily, costs_by_wallet, latest_prices,
    airdrop_returns, roi_by_protocol, roi_by_airdrop, portfolio_value_daily TO airdrops_reader;
