-- Rollups (airdrops.collectors.warehouse.rollups defines each one's GROUP BY): the ETL adds each load's new
-- events to them, the migrator fills them from the stored rows once this migration is applied. The views the
-- report and the dashboards read take their rows from here, not from the raw event tables, so they answer in
-- about the same time as history grows (docs/analytics.md, "Rollups"). Output columns and types of every view
-- stay what 0004 and 0009 made them. One SQL text for both dialects; grants and indexes: ../postgres/.
-- A key column that may be NULL in its event table is '' here (primary keys have no NULL).

CREATE TABLE claims_daily (
    day date NOT NULL,
    bot_id text NOT NULL,
    chain text NOT NULL,
    protocol text NOT NULL,
    airdrop text NOT NULL,
    wallet text NOT NULL,
    outcome text NOT NULL,
    reason text NOT NULL,
    token text NOT NULL,
    attempts bigint NOT NULL,
    amount numeric(38,18),
    value_usd numeric(38,18),
    claimed_amount numeric(38,18),
    claimed_value_usd numeric(38,18),
    gas_used bigint,
    fee_native numeric(38,18),
    fee_usd numeric(38,18),
    protocol_fee_usd numeric(38,18),
    PRIMARY KEY (day, bot_id, chain, protocol, airdrop, wallet, outcome, reason, token)
);

CREATE TABLE transactions_daily (
    day date NOT NULL,
    bot_id text NOT NULL,
    chain text NOT NULL,
    protocol text NOT NULL,
    action text NOT NULL,
    tx_count bigint NOT NULL,
    gas_used bigint,
    fee_native numeric(38,18),
    fee_usd numeric(38,18),
    protocol_fee_usd numeric(38,18),
    PRIMARY KEY (day, bot_id, chain, protocol, action)
);

CREATE TABLE transaction_costs_by_wallet (
    wallet text NOT NULL,
    bot_id text NOT NULL,
    chain text NOT NULL,
    protocol text NOT NULL,
    tx_count bigint NOT NULL,
    gas_used bigint,
    fee_native numeric(38,18),
    fee_usd numeric(38,18),
    protocol_fee_usd numeric(38,18),
    PRIMARY KEY (wallet, bot_id, chain, protocol)
);

CREATE TABLE token_outflows (
    event_id {{ id }} NOT NULL,
    ts timestamptz NOT NULL,
    token text NOT NULL,
    amount numeric(38,18),
    PRIMARY KEY (event_id, ts, token)
);

CREATE TABLE portfolio_snapshot_totals (
    bot_id text NOT NULL,
    snapshot_id text NOT NULL,
    ts timestamptz NOT NULL,
    value_usd numeric(38,18) NOT NULL,
    holdings bigint NOT NULL,
    PRIMARY KEY (bot_id, snapshot_id)
);

CREATE TABLE prices_latest (
    token text PRIMARY KEY,
    ts timestamptz NOT NULL,
    event_id {{ id }} NOT NULL,
    price_usd numeric(38,18) NOT NULL
);

DROP VIEW roi_by_airdrop;
DROP VIEW roi_by_protocol;
DROP VIEW airdrop_returns;
DROP VIEW latest_prices;
DROP VIEW claim_success_rate;
DROP VIEW claim_outcomes;
DROP VIEW gas_costs_daily;
DROP VIEW costs_by_wallet;
DROP VIEW portfolio_value_daily;

-- claims_daily with each reason in the vocabulary's taxonomy, as claim_attempts (0009) maps each attempt:
-- the bot's reason when claim_reasons lists it for the outcome, else the outcome's fallback reason.
CREATE VIEW claim_days AS
SELECT c.day, c.bot_id, c.chain, c.protocol, c.airdrop, c.wallet, c.outcome,
       coalesce(r.reason, f.reason) AS reason,
       coalesce(r.expected, f.expected) AS expected,
       coalesce(r.ineligible, f.ineligible) AS ineligible,
       nullif(c.token, '') AS token, c.attempts, c.amount, c.value_usd, c.claimed_amount, c.claimed_value_usd,
       c.gas_used, c.fee_native, c.fee_usd, c.protocol_fee_usd
FROM claims_daily c
LEFT JOIN claim_reasons r ON r.reason = c.reason AND r.outcome = c.outcome
LEFT JOIN claim_reasons f ON f.outcome = c.outcome AND f.fallback;

-- Claims per UTC day and (bot, chain, protocol, airdrop). success_rate = succeeded / counted, where counted
-- leaves out the expected outcomes; NULL when nothing counted.
CREATE VIEW claim_success_rate AS
SELECT
    day, bot_id, chain, protocol, airdrop,
    CAST(sum(attempts) AS bigint) AS attempts,
    CAST(coalesce(sum(attempts) FILTER (WHERE outcome = 'success'), 0) AS bigint) AS succeeded,
    CAST(coalesce(sum(attempts) FILTER (WHERE outcome = 'failure'), 0) AS bigint) AS failed,
    CAST(coalesce(sum(attempts) FILTER (WHERE expected), 0) AS bigint) AS expected_failures,
    CAST(coalesce(sum(attempts) FILTER (WHERE NOT expected), 0) AS bigint) AS counted,
    CAST(coalesce(sum(attempts) FILTER (WHERE outcome = 'success'), 0) AS double precision)
        / nullif(coalesce(sum(attempts) FILTER (WHERE NOT expected), 0), 0) AS success_rate
FROM claim_days
GROUP BY 1, 2, 3, 4, 5;

CREATE VIEW claim_outcomes AS
SELECT day, bot_id, chain, protocol, airdrop, wallet, outcome, reason, expected, ineligible, token,
       CAST(sum(attempts) AS bigint) AS attempts, CAST(sum(amount) AS numeric(38,18)) AS amount,
       CAST(sum(value_usd) AS numeric(38,18)) AS value_usd
FROM claim_days
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;

-- Gas and protocol fees per UTC day, bot, chain, protocol, airdrop (NULL for transactions) and action.
CREATE VIEW gas_costs_daily AS
SELECT day, bot_id, chain, protocol, airdrop, action, CAST(sum(tx_count) AS bigint) AS tx_count,
       CAST(sum(gas_used) AS bigint) AS gas_used, CAST(sum(fee_native) AS numeric(38,18)) AS fee_native,
       CAST(sum(fee_usd) AS numeric(38,18)) AS fee_usd,
       CAST(sum(protocol_fee_usd) AS numeric(38,18)) AS fees_usd
FROM (SELECT day, bot_id, chain, protocol, CAST(NULL AS text) AS airdrop, action, tx_count, gas_used, fee_native,
             fee_usd, protocol_fee_usd
      FROM transactions_daily
      UNION ALL
      SELECT day, bot_id, chain, protocol, airdrop, 'claim', attempts, gas_used, fee_native, fee_usd, protocol_fee_usd
      FROM claims_daily) g
GROUP BY 1, 2, 3, 4, 5, 6;

-- Gas and protocol fees per wallet, chain and protocol (transactions and claims, every outcome).
CREATE VIEW costs_by_wallet AS
SELECT wallet, bot_id, chain, protocol, CAST(sum(tx_count) AS bigint) AS tx_count,
       CAST(sum(gas_used) AS bigint) AS gas_used, CAST(sum(fee_native) AS numeric(38,18)) AS fee_native,
       CAST(coalesce(sum(fee_usd), 0) AS numeric(38,18)) AS gas_usd,
       CAST(coalesce(sum(protocol_fee_usd), 0) AS numeric(38,18)) AS fees_usd
FROM (SELECT wallet, bot_id, chain, protocol, tx_count, gas_used, fee_native, fee_usd, protocol_fee_usd
      FROM transaction_costs_by_wallet
      UNION ALL
      SELECT wallet, bot_id, chain, protocol, attempts, gas_used, fee_native, fee_usd, protocol_fee_usd
      FROM claims_daily) w
GROUP BY 1, 2, 3, 4;

CREATE VIEW latest_prices AS
SELECT token, ts, price_usd
FROM prices_latest;

-- What each airdrop's tokens are worth: realized = the claimed tokens that left the farm (sold on a swap, or
-- bridged out) at the price of that moment; unrealized = the claimed tokens still held, at the latest price.
-- "The price of a moment" is the token's newest price at or before it, else the average claim-time price.
-- Sales of a token beyond what was claimed of it are not airdrop returns (the farm bought those): the
-- realized value is scaled to the claimed amount. A token claimed in several (airdrop, chain) rows is split
-- between them by claimed amount. Arithmetic in double precision (DuckDB's decimal(38,18) products overflow),
-- results cast back to numeric(38,18).
CREATE VIEW airdrop_returns AS
WITH claimed AS (
    SELECT airdrop, protocol, chain, token,
           sum(claimed_amount) AS amount_claimed, sum(claimed_value_usd) AS value_at_claim_usd
    FROM claims_daily
    WHERE outcome = 'success' AND token <> ''
    GROUP BY airdrop, protocol, chain, token
    HAVING sum(claimed_amount) IS NOT NULL
), tokens AS (
    SELECT token, CAST(sum(amount_claimed) AS double precision) AS amount_claimed,
           CAST(sum(value_at_claim_usd) AS double precision) / CAST(sum(amount_claimed) AS double precision)
               AS claim_price
    FROM claimed
    GROUP BY token
), priced AS (
    SELECT o.token, CAST(o.amount AS double precision) AS amount,
           CAST(o.amount AS double precision) * coalesce(
               (SELECT CAST(p.price_usd AS double precision) FROM prices p
                WHERE p.token = o.token AND p.ts <= o.ts ORDER BY p.ts DESC, p.event_id DESC LIMIT 1),
               t.claim_price) AS value_usd
    FROM token_outflows o
    JOIN tokens t ON t.token = o.token
), per_token AS (
    SELECT t.token, t.amount_claimed,
           coalesce(CASE WHEN s.amount_out > t.amount_claimed THEN t.amount_claimed ELSE s.amount_out END, 0)
               AS amount_sold,
           coalesce(CASE WHEN s.amount_out > t.amount_claimed THEN s.value_out * t.amount_claimed / s.amount_out
                         ELSE s.value_out END, 0) AS realized_usd,
           coalesce((SELECT CAST(l.price_usd AS double precision) FROM prices_latest l WHERE l.token = t.token),
                    t.claim_price) AS price_now_usd
    FROM tokens t
    LEFT JOIN (SELECT token, sum(amount) AS amount_out, sum(value_usd) AS value_out FROM priced GROUP BY token) s
        ON s.token = t.token
), shared AS (
    SELECT c.airdrop, c.protocol, c.chain, c.token, c.amount_claimed, c.value_at_claim_usd, p.price_now_usd,
           CASE WHEN CAST(c.amount_claimed AS double precision) = p.amount_claimed THEN 1.0
                ELSE CAST(c.amount_claimed AS double precision) / p.amount_claimed END AS share,
           p.amount_sold, p.realized_usd
    FROM claimed c
    JOIN per_token p ON p.token = c.token
)
SELECT airdrop, protocol, chain, token,
       CAST(amount_claimed AS numeric(38,18)) AS amount_claimed,
       CAST(value_at_claim_usd AS numeric(38,18)) AS value_at_claim_usd,
       CAST(amount_sold * share AS numeric(38,18)) AS amount_sold,
       CAST(realized_usd * share AS numeric(38,18)) AS realized_usd,
       CAST(CAST(amount_claimed AS double precision) - amount_sold * share AS numeric(38,18)) AS amount_held,
       CAST(price_now_usd AS numeric(38,18)) AS price_now_usd,
       CAST((CAST(amount_claimed AS double precision) - amount_sold * share) * price_now_usd AS numeric(38,18))
           AS unrealized_usd
FROM shared;

-- Per (protocol, chain): gas = fee_usd and fees = protocol_fee_usd of its transactions and claims; claimed value
-- at claim time, realized and unrealized value from airdrop_returns; net = realized + unrealized - gas - fees;
-- roi = net / (gas + fees) through roi_ratio (NULL over a near-zero cost).
CREATE VIEW roi_by_protocol AS
WITH activity AS (
    SELECT protocol, chain, fee_usd, protocol_fee_usd, tx_count AS tx, 0 AS claim_ok
    FROM transactions_daily
    UNION ALL
    SELECT protocol, chain, fee_usd, protocol_fee_usd, attempts, CASE WHEN outcome = 'success' THEN attempts ELSE 0 END
    FROM claims_daily
), costs AS (
    SELECT protocol, chain,
           CAST(coalesce(sum(fee_usd), 0) AS numeric(38,18)) AS gas_usd,
           CAST(coalesce(sum(protocol_fee_usd), 0) AS numeric(38,18)) AS fees_usd,
           CAST(sum(tx) AS bigint) AS tx_count,
           CAST(sum(claim_ok) AS bigint) AS claims_succeeded
    FROM activity
    GROUP BY protocol, chain
), returns AS (
    SELECT protocol, chain, sum(value_at_claim_usd) AS claimed_value_usd, sum(realized_usd) AS realized_usd,
           sum(unrealized_usd) AS unrealized_usd
    FROM airdrop_returns
    GROUP BY protocol, chain
), totals AS (
    SELECT c.protocol, c.chain, c.gas_usd, c.fees_usd, c.tx_count, c.claims_succeeded,
           CAST(coalesce(r.claimed_value_usd, 0) AS numeric(38,18)) AS claimed_value_usd,
           CAST(coalesce(r.realized_usd, 0) AS numeric(38,18)) AS realized_usd,
           CAST(coalesce(r.unrealized_usd, 0) AS numeric(38,18)) AS unrealized_usd
    FROM costs c
    LEFT JOIN returns r ON r.protocol = c.protocol AND r.chain = c.chain
)
SELECT protocol, chain, gas_usd, fees_usd, claimed_value_usd, tx_count, claims_succeeded, realized_usd,
       unrealized_usd,
       CAST(realized_usd + unrealized_usd - gas_usd - fees_usd AS numeric(38,18)) AS net_usd,
       roi_ratio(realized_usd + unrealized_usd - gas_usd - fees_usd, gas_usd + fees_usd,
                 realized_usd + unrealized_usd) AS roi
FROM totals;

-- Per airdrop: its claims' gas and fees + the farming transactions' gas and fees of its protocol (on every
-- chain: bridging from Ethereum farms an Arbitrum airdrop too), split equally between that protocol's
-- (airdrop, chain) rows; returns from airdrop_returns. Farming costs of a protocol with no claims yet are in
-- roi_by_protocol only.
CREATE VIEW roi_by_airdrop AS
WITH per_airdrop AS (
    SELECT airdrop, protocol, chain,
           coalesce(sum(fee_usd), 0) AS claim_gas_usd,
           coalesce(sum(protocol_fee_usd), 0) AS claim_fees_usd,
           sum(attempts) AS claims_attempted,
           coalesce(sum(attempts) FILTER (WHERE outcome = 'success'), 0) AS claims_succeeded
    FROM claims_daily
    GROUP BY airdrop, protocol, chain
), farming AS (
    SELECT protocol, coalesce(sum(fee_usd), 0) AS gas_usd, coalesce(sum(protocol_fee_usd), 0) AS fees_usd
    FROM transactions_daily
    GROUP BY protocol
), shares AS (
    SELECT protocol, count(*) AS airdrops
    FROM per_airdrop
    GROUP BY protocol
), returns AS (
    SELECT airdrop, protocol, chain, sum(value_at_claim_usd) AS claimed_value_usd,
           sum(realized_usd) AS realized_usd, sum(unrealized_usd) AS unrealized_usd
    FROM airdrop_returns
    GROUP BY airdrop, protocol, chain
), costed AS (
    SELECT a.airdrop, a.protocol, a.chain, a.claims_attempted, a.claims_succeeded,
           CAST(coalesce(r.claimed_value_usd, 0) AS numeric(38,18)) AS claimed_value_usd,
           CAST(coalesce(r.realized_usd, 0) AS numeric(38,18)) AS realized_usd,
           CAST(coalesce(r.unrealized_usd, 0) AS numeric(38,18)) AS unrealized_usd,
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
    LEFT JOIN returns r ON r.airdrop = a.airdrop AND r.protocol = a.protocol AND r.chain = a.chain
)
SELECT airdrop, protocol, chain, gas_usd, fees_usd, claimed_value_usd,
       CAST(claims_attempted AS bigint) AS claims_attempted,
       CAST(claims_succeeded AS bigint) AS claims_succeeded,
       realized_usd, unrealized_usd,
       CAST(realized_usd + unrealized_usd - gas_usd - fees_usd AS numeric(38,18)) AS net_usd,
       roi_ratio(realized_usd + unrealized_usd - gas_usd - fees_usd, gas_usd + fees_usd,
                 realized_usd + unrealized_usd) AS roi
FROM costed;

-- Per UTC day and bot: the value of the day's last snapshot (max ts, then snapshot_id), summed over holdings.
CREATE VIEW portfolio_value_daily AS
WITH ranked AS (
    SELECT bot_id, snapshot_id, value_usd, CAST(ts AT TIME ZONE 'UTC' AS date) AS day,
           row_number() OVER (
               PARTITION BY bot_id, CAST(ts AT TIME ZONE 'UTC' AS date) ORDER BY ts DESC, snapshot_id DESC
           ) AS rn
    FROM portfolio_snapshot_totals
)
SELECT day, bot_id, CAST(value_usd AS numeric(38,18)) AS value_usd
FROM ranked
WHERE rn = 1;
