-- The reporting role (Grafana) reads the analytics views of 0004 too.
GRANT SELECT ON claim_outcomes, latest_prices, gas_costs_daily, capital_flows, risk_breach_events TO airdrops_reader;
