-- Read views for the analytics package (airdrops.analytics.query.VIEWS): per-wallet claim outcomes, the
-- latest price of each token, gas per day, capital moved, risk breaches. One SQL text for both dialects;
-- sums are cast to numeric(38,18) so both backends return the same types. Grants: 0005 (PostgreSQL).

CREATE VIEW claim_outcomes AS
SELECT CAST(ts AT TIME ZONE 'UTC' AS date) AS day, bot_id, chain, protocol, airdrop, wallet, outcome,
       COALESCE(reason, CASE WHEN outcome = 'success' THEN 'none' ELSE 'unknown' END) AS reason,
       token, CAST(count(*) AS bigint) AS attempts, CAST(sum(amount) AS numeric(38,18)) AS amount,
       CAST(sum(value_usd) AS numeric(38,18)) AS value_usd
FROM claims
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

CREATE VIEW latest_prices AS
SELECT token, ts, price_usd
FROM (SELECT token, ts, price_usd,
             row_number() OVER (PARTITION BY token ORDER BY ts DESC, event_id DESC) AS rn
      FROM prices) p
WHERE rn = 1;

CREATE VIEW gas_costs_daily AS
SELECT day, bot_id, chain, protocol, airdrop, action, CAST(count(*) AS bigint) AS tx_count,
       CAST(sum(gas_used) AS bigint) AS gas_used, CAST(sum(fee_native) AS numeric(38,18)) AS fee_native,
       CAST(sum(fee_usd) AS numeric(38,18)) AS fee_usd
FROM (SELECT CAST(ts AT TIME ZONE 'UTC' AS date) AS day, bot_id, chain, protocol, CAST(NULL AS text) AS airdrop,
             action, gas_used, fee_native, fee_usd
      FROM transactions
      UNION ALL
      SELECT CAST(ts AT TIME ZONE 'UTC' AS date), bot_id, chain, protocol, airdrop, 'claim', gas_used, fee_native,
             fee_usd
      FROM claims) g
GROUP BY 1, 2, 3, 4, 5, 6;

CREATE VIEW capital_flows AS
SELECT ts, bot_id, protocol, chain, action, amount_usd
FROM allocations
WHERE action IN ('deposit', 'withdraw');

CREATE VIEW risk_breach_events AS
SELECT ts, bot_id, rule, severity, protocol, wallet, value, limit_value, action_taken
FROM risk_breaches;
