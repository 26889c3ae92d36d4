-- The views analytics and Grafana read (names fixed by issue 4). One SQL text for PostgreSQL and DuckDB;
-- every output column is cast so the two backends agree on types.

-- Claims per UTC day and (bot, chain, protocol, airdrop); success_rate = succeeded / attempts.
CREATE VIEW claim_success_rate AS
SELECT
    CAST(ts AT TIME ZONE 'UTC' AS date) AS day,
    bot_id,
    chain,
    protocol,
    airdrop,
    CAST(count(*) AS bigint) AS attempts,
    CAST(count(*) FILTER (WHERE outcome = 'success') AS bigint) AS succeeded,
    CAST(count(*) FILTER (WHERE outcome = 'failure') AS bigint) AS failed,
    CAST(count(*) FILTER (WHERE outcome = 'success') AS double precision) / count(*) AS success_rate
FROM claims
GROUP BY 1, 2, 3, 4, 5;

-- Per (protocol, chain): gas = fee_usd of transactions and claims; fees = protocol fees other than gas
-- (not in the event schema yet: 0); returns = value_usd of successful claims; tx_count counts both kinds.
CREATE VIEW roi_by_protocol AS
WITH activity AS (
    SELECT protocol, chain, coalesce(fee_usd, 0) AS gas_usd, CAST(0 AS numeric(38,18)) AS claimed_usd,
           1 AS tx, 0 AS claim_ok
    FROM transactions
    UNION ALL
    SELECT protocol, chain, coalesce(fee_usd, 0),
           CASE WHEN outcome = 'success' THEN coalesce(value_usd, 0) ELSE 0 END,
           1, CASE WHEN outcome = 'success' THEN 1 ELSE 0 END
    FROM claims
), totals AS (
    SELECT protocol, chain,
           CAST(sum(gas_usd) AS numeric(38,18)) AS gas_usd,
           CAST(0 AS numeric(38,18)) AS fees_usd,
           CAST(sum(claimed_usd) AS numeric(38,18)) AS claimed_value_usd,
           CAST(sum(tx) AS bigint) AS tx_count,
           CAST(sum(claim_ok) AS bigint) AS claims_succeeded
    FROM activity
    GROUP BY protocol, chain
)
SELECT protocol, chain, gas_usd, fees_usd, claimed_value_usd, tx_count, claims_succeeded,
       CAST(claimed_value_usd - gas_usd - fees_usd AS numeric(38,18)) AS net_usd,
       CAST(claimed_value_usd - gas_usd - fees_usd AS double precision)
           / nullif(CAST(gas_usd + fees_usd AS double precision), 0) AS roi
FROM totals;

-- Per airdrop: gas = its claims' fee_usd + the farming transactions' fee_usd of its protocol (on every chain:
-- bridging from Ethereum farms an Arbitrum airdrop too), split equally between that protocol's (airdrop, chain)
-- rows; returns = value_usd of successful claims. Farming gas of a protocol with no claims yet is in
-- roi_by_protocol only.
CREATE VIEW roi_by_airdrop AS
WITH per_airdrop AS (
    SELECT airdrop, protocol, chain,
           sum(coalesce(fee_usd, 0)) AS claim_gas_usd,
           sum(CASE WHEN outcome = 'success' THEN coalesce(value_usd, 0) ELSE 0 END) AS claimed_value_usd,
           count(*) AS claims_attempted,
           count(*) FILTER (WHERE outcome = 'success') AS claims_succeeded
    FROM claims
    GROUP BY airdrop, protocol, chain
), farming AS (
    SELECT protocol, sum(coalesce(fee_usd, 0)) AS gas_usd
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
           END AS numeric(38,18)) AS gas_usd
    FROM per_airdrop a
    JOIN shares s ON s.protocol = a.protocol
    LEFT JOIN farming f ON f.protocol = a.protocol
)
SELECT airdrop, protocol, chain, gas_usd,
       CAST(claimed_value_usd AS numeric(38,18)) AS claimed_value_usd,
       CAST(claims_attempted AS bigint) AS claims_attempted,
       CAST(claims_succeeded AS bigint) AS claims_succeeded,
       CAST(claimed_value_usd - gas_usd AS numeric(38,18)) AS net_usd,
       CAST(claimed_value_usd - gas_usd AS double precision) / nullif(CAST(gas_usd AS double precision), 0) AS roi
FROM costed;

-- Per UTC day and bot: the value of the day's last snapshot (max ts, then snapshot_id), summed over holdings.
CREATE VIEW portfolio_value_daily AS
WITH snapshots AS (
    SELECT bot_id, snapshot_id, max(ts) AS ts, sum(value_usd) AS value_usd
    FROM portfolio_snapshots
    GROUP BY bot_id, snapshot_id
), ranked AS (
    SELECT bot_id, snapshot_id, value_usd, CAST(ts AT TIME ZONE 'UTC' AS date) AS day,
           row_number() OVER (
               PARTITION BY bot_id, CAST(ts AT TIME ZONE 'UTC' AS date) ORDER BY ts DESC, snapshot_id DESC
           ) AS rn
    FROM snapshots
)
SELECT day, bot_id, CAST(value_usd AS numeric(38,18)) AS value_usd
FROM ranked
WHERE rn = 1;
