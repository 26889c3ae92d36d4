-- airdrop_returns as 0014 defines it, with "the token's newest price at or before the outflow" found by an ASOF
-- join: DuckDB runs 0014's correlated ORDER BY ... LIMIT 1 subquery as a join of every outflow with every
-- earlier price of its token, which grows with the square of the history (4 s at 1 M events, benchmarks/views.py).
-- Ties on ts go to the greater event_id, as in 0014. PostgreSQL keeps 0014's text (an index lookup per outflow).
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
), price_points AS (
    SELECT token, ts, arg_max(price_usd, event_id) AS price_usd
    FROM prices
    WHERE token IN (SELECT token FROM tokens)
    GROUP BY token, ts
), outflows AS (
    SELECT o.token, o.ts, CAST(o.amount AS double precision) AS amount, t.claim_price
    FROM token_outflows o
    JOIN tokens t ON t.token = o.token
), priced AS (
    SELECT o.token, o.amount, o.amount * coalesce(CAST(p.price_usd AS double precision), o.claim_price) AS value_usd
    FROM outflows o
    ASOF LEFT JOIN price_points p ON p.token = o.token AND o.ts >= p.ts
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
