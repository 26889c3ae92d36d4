-- Protocol fees besides gas (pool swap fees, bridge fees, claim fees) and what a swap gave, from the event
-- schema; the claim views count claims through the vocabulary's taxonomy (table claim_reasons of 0007).
-- One SQL text for PostgreSQL and DuckDB. Grants: 0009 (PostgreSQL).

ALTER TABLE transactions ADD COLUMN amount_in numeric(38,18);
ALTER TABLE transactions ADD COLUMN token_in text;
ALTER TABLE transactions ADD COLUMN protocol_fee numeric(38,18);
ALTER TABLE transactions ADD COLUMN protocol_fee_token text;
ALTER TABLE transactions ADD COLUMN protocol_fee_usd numeric(38,18);
ALTER TABLE claims ADD COLUMN protocol_fee numeric(38,18);
ALTER TABLE claims ADD COLUMN protocol_fee_token text;
ALTER TABLE claims ADD COLUMN protocol_fee_usd numeric(38,18);

DROP VIEW roi_by_airdrop;
DROP VIEW roi_by_protocol;
DROP VIEW claim_success_rate;
DROP VIEW claim_outcomes;
DROP VIEW gas_costs_daily;

-- Every claim attempt with its reason in the taxonomy: the bot's reason when claim_reasons lists it for the
-- attempt's outcome, else the outcome's fallback reason (`none` for a success, `other` for a failure), and
-- whether the attempt is an expected outcome (not counted in claim success).
CREATE VIEW claim_attempts AS
SELECT c.event_id, c.ts, CAST(c.ts AT TIME ZONE 'UTC' AS date) AS day, c.bot_id, c.chain, c.protocol,
       c.airdrop, c.wallet, c.outcome,
       coalesce(r.reason, f.reason) AS reason,
       coalesce(r.expected, f.expected) AS expected,
       coalesce(r.ineligible, f.ineligible) AS ineligible,
       c.amount, c.token, c.value_usd, c.tx_hash, c.gas_used, c.fee_native, c.fee_usd, c.protocol_fee_usd
FROM claims c
LEFT JOIN claim_reasons r ON r.reason = c.reason AND r.outcome = c.outcome
LEFT JOIN claim_reasons f ON f.outcome = c.outcome AND f.fallback;

-- Claims per UTC day and (bot, chain, protocol, airdrop). success_rate = succeeded / counted, where counted
-- leaves out the expected outcomes; NULL when nothing counted.
CREATE VIEW claim_success_rate AS
SELECT
    day, bot_id, chain, protocol, airdrop,
    CAST(count(*) AS bigint) AS attempts,
    CAST(count(*) FILTER (WHERE outcome = 'success') AS bigint) AS succeeded,
    CAST(count(*) FILTER (WHERE outcome = 'failure') AS bigint) AS failed,
    CAST(count(*) FILTER (WHERE expected) AS bigint) AS expected_failures,
    CAST(count(*) FILTER (WHERE NOT expected) AS bigint) AS counted,
    CAST(count(*) FILTER (WHERE outcome = 'success') AS double precision)
        / nullif(count(*) FILTER (WHERE NOT expected), 0) AS success_rate
FROM claim_attempts
GROUP BY 1, 2, 3, 4, 5;

CREATE VIEW claim_outcomes AS
SELECT day, bot_id, chain, protocol, airdrop, wallet, outcome, reason, expected, ineligible, token,
       CAST(count(*) AS bigint) AS attempts, CAST(sum(amount) AS numeric(38,18)) AS amount,
       CAST(sum(value_usd) AS numeric(38,18)) AS value_usd
FROM claim_attempts
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;

-- Gas and protocol fees per UTC day, bot, chain, protocol, airdrop (NULL for transactions) and action.
CREATE VIEW gas_costs_daily AS
SELECT day, bot_id, chain, protocol, airdrop, action, CAST(count(*) AS bigint) AS tx_count,
       CAST(sum(gas_used) AS bigint) AS gas_used, CAST(sum(fee_native) AS numeric(38,18)) AS fee_native,
       CAST(sum(fee_usd) AS numeric(38,18)) AS fee_usd,
       CAST(sum(protocol_fee_usd) AS numeric(38,18)) AS fees_usd
FROM (SELECT CAST(ts AT TIME ZONE 'UTC' AS date) AS day, bot_id, chain, protocol, CAST(NULL AS text) AS airdrop,
             action, gas_used, fee_native, fee_usd, protocol_fee_usd
      FROM transactions
      UNION ALL
      SELECT CAST(ts AT TIME ZONE 'UTC' AS date), bot_id, chain, protocol, airdrop, 'claim', gas_used, fee_native,
             fee_usd, protocol_fee_usd
      FROM claims) g
GROUP BY 1, 2, 3, 4, 5, 6;

-- Gas and protocol fees per wallet, chain and protocol (transactions and claims, every outcome).
CREATE VIEW costs_by_wallet AS
SELECT wallet, bot_id, chain, protocol, CAST(count(*) AS bigint) AS tx_count,
       CAST(sum(gas_used) AS bigint) AS gas_used, CAST(sum(fee_native) AS numeric(38,18)) AS fee_native,
       CAST(coalesce(sum(fee_usd), 0) AS numeric(38,18)) AS gas_usd,
       CAST(coalesce(sum(protocol_fee_usd), 0) AS numeric(38,18)) AS fees_usd
FROM (SELECT wallet, bot_id, chain, protocol, gas_used, fee_native, fee_usd, protocol_fee_usd FROM transactions
      UNION ALL
      SELECT wallet, bot_id, chain, protocol, gas_used, fee_native, fee_usd, protocol_fee_usd FROM claims) w
GROUP BY 1, 2, 3, 4;

-- Per (protocol, chain): gas = fee_usd and fees = protocol_fee_usd of its transactions and claims; returns =
-- value_usd of successful claims; roi = net / (gas + fees) through roi_ratio (NULL over a near-zero cost).
CREATE VIEW roi_by_protocol AS
WITH activity AS (
    SELECT protocol, chain, coalesce(fee_usd, 0) AS gas_usd, coalesce(protocol_fee_usd, 0) AS fees_usd,
           CAST(0 AS numeric(38,18)) AS claimed_usd, 1 AS tx, 0 AS claim_ok
    FROM transactions
    UNION ALL
    SELECT protocol, chain, coalesce(fee_usd, 0), coalesce(protocol_fee_usd, 0),
           CASE WHEN outcome = 'success' THEN coalesce(value_usd, 0) ELSE 0 END,
           1, CASE WHEN outcome = 'success' THEN 1 ELSE 0 END
    FROM claims
), totals AS (
    SELECT protocol, chain,
           CAST(sum(gas_usd) AS numeric(38,18)) AS gas_usd,
           CAST(sum(fees_usd) AS numeric(38,18)) AS fees_usd,
           CAST(sum(claimed_usd) AS numeric(38,18)) AS claimed_value_usd,
           CAST(sum(tx) AS bigint) AS tx_count,
           CAST(sum(claim_ok) AS bigint) AS claims_succeeded
    FROM activity
    GROUP BY protocol, chain
)
SELECT protocol, chain, gas_usd, fees_usd, claimed_value_usd, tx_count, claims_succeeded,
       CAST(claimed_value_usd - gas_usd - fees_usd AS numeric(38,18)) AS net_usd,
       roi_ratio(claimed_value_usd - gas_usd - fees_usd, gas_usd + fees_usd, claimed_value_usd) AS roi
FROM totals;

-- Per airdrop: its claims' gas and fees + the farming transactions' gas and fees of its protocol (on every
-- chain: bridging from Ethereum farms an Arbitrum airdrop too), split equally between that protocol's
-- (airdrop, chain) rows; returns = value_usd of successful claims. Farming costs of a protocol with no claims
-- yet are in roi_by_protocol only.
CREATE VIEW roi_by_airdrop AS
WITH per_airdrop AS (
    SELECT airdrop, protocol, chain,
           sum(coalesce(fee_usd, 0)) AS claim_gas_usd,
           sum(coalesce(protocol_fee_usd, 0)) AS claim_fees_usd,
           sum(CASE WHEN outcome = 'success' THEN coalesce(value_usd, 0) ELSE 0 END) AS claimed_value_usd,
           count(*) AS claims_attempted,
           count(*) FILTER (WHERE outcome = 'success') AS claims_succeeded
    FROM claims
    GROUP BY airdrop, protocol, chain
), farming AS (
    SELECT protocol, sum(coalesce(fee_usd, 0)) AS gas_usd, sum(coalesce(protocol_fee_usd, 0)) AS fees_usd
    FROM transactions
    GROUP BY protocol
), shares AS (
    SELECT protocol, count(*) AS airdrops
    FROM per_airdrop
    GROUP BY protocol
), costed AS (
    SELECT a.airdrop, a.protocol, a.chain, a.claimed_value_usd, a.claims_attempted, a.claims_succeeded,
           CAST(a.claim_gas_usd + CASE
               WHEN f.gas_usd IS NULL THEN 0
               WHEN s.airdrops = 1 THEN f.gas_usd
               ELSE CAST(f.gas_usd / s.airdrops AS numeric(38,18))
           END AS numeric(38,18)) AS gas_usd,
           CAST(a.claim_fees_usd + CASE
               WHEN f.fees_usd IS NULL THEN 0
               WHEN s.airdrops = 1 THEN f.fees_usd
               ELSE CAST(f.fees_usd / s.airdrops AS numeric(38,18))
           END AS numeric(38,18)) AS fees_usd
    FROM per_airdrop a
    JOIN shares s ON s.protocol = a.protocol
    LEFT JOIN farming f ON f.protocol = a.protocol
)
SELECT airdrop, protocol, chain, gas_usd, fees_usd,
       CAST(claimed_value_usd AS numeric(38,18)) AS claimed_value_usd,
       CAST(claims_attempted AS bigint) AS claims_attempted,
       CAST(claims_succeeded AS bigint) AS claims_succeeded,
       CAST(claimed_value_usd - gas_usd - fees_usd AS numeric(38,18)) AS net_usd,
       roi_ratio(claimed_value_usd - gas_usd - fees_usd, gas_usd + fees_usd, claimed_value_usd) AS roi
FROM costed;
