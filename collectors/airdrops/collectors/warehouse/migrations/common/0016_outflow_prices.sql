-- Each outflow of a claimed token carries its price point: the token's newest price at or before it (ties on ts:
-- the greater event_id), set by the ETL when either arrives (airdrops.collectors.warehouse.outflow_prices; the
-- migrator prices the outflows stored before). airdrop_returns reads it instead of looking the price history up
-- at read time, which grew with the history (benchmarks/views.py). The view is 0014's otherwise, on both dialects.
ALTER TABLE token_outflows ADD COLUMN price_ts timestamptz;
ALTER TABLE token_outflows ADD COLUMN price_event_id {{ id }};
ALTER TABLE token_outflows ADD COLUMN price_usd numeric(38,18);

CREATE OR REPLACE VIEW airdrop_returns AS
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
           CAST(o.amount AS double precision) * coalesce(CAST(o.price_usd AS double precision), t.claim_price)
               AS value_usd
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
