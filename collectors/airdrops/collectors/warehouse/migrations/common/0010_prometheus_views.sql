-- What Prometheus counted, kept beyond its retention: daily operations per bot (ops_daily) and a
-- reconciliation of Prometheus' counts with the event log's (prometheus_vs_events). Both read the counters
-- the `airdrops-ops.rules` recording rules sum per bot (bot_id:...:sum, loaded by the ETL's default queries)
-- and `bot_id:airdrops_bot_up:max`. One SQL text for PostgreSQL and DuckDB. Grants: 0011 (PostgreSQL).

-- The increase of every summed counter between consecutive loaded samples: a drop is a reset (the bot
-- restarted and counts from 0 again, so its whole value is new). A series' first sample counts its value when
-- the series was born after the bot's first sample of that rule (a reason or outcome seen for the first time),
-- or when Prometheus saw the bot from its start (its process started at most 5 minutes, Prometheus' look-back,
-- before the bot's first sample: everything its counters hold happened since); otherwise nothing (what came
-- before the ETL's first window is not in the warehouse). `prev_ts` is the time of the previous sample: each
-- increase happened in (prev_ts, ts]; `bot_start` is the process start of a bot seen from its start, else NULL.
CREATE VIEW metric_increases AS
WITH starts AS (
    SELECT m.labels->>'bot_id' AS bot_id, to_timestamp(min(s.value)) AS started
    FROM metric_samples s
    JOIN metric_series m ON m.series_id = s.series_id
    WHERE m.metric = 'bot_id:airdrops_bot_start_time_seconds:max'
    GROUP BY 1
), samples AS (
    SELECT m.metric, s.series_id, m.labels->>'bot_id' AS bot_id, m.labels->>'outcome' AS outcome,
           m.labels->>'le' AS le, s.ts, s.value,
           lag(s.ts) OVER (PARTITION BY s.series_id ORDER BY s.ts) AS prev_ts,
           lag(s.value) OVER (PARTITION BY s.series_id ORDER BY s.ts) AS prev_value,
           min(s.ts) OVER (PARTITION BY s.series_id) AS series_first_ts
    FROM metric_samples s
    JOIN metric_series m ON m.series_id = s.series_id
    WHERE m.metric LIKE 'bot\_id%:sum' ESCAPE '\'
), framed AS (
    SELECT f.*, min(f.series_first_ts) OVER (PARTITION BY f.metric, f.bot_id) AS bot_first_ts,
           min(f.series_first_ts) OVER (PARTITION BY f.bot_id) AS seen_first_ts
    FROM samples f
), marked AS (
    SELECT f.*, CASE WHEN st.started >= f.seen_first_ts - INTERVAL '5 minutes' THEN st.started END AS bot_start
    FROM framed f
    LEFT JOIN starts st ON st.bot_id = f.bot_id
)
SELECT metric, series_id, bot_id, outcome, le, CAST(ts AT TIME ZONE 'UTC' AS date) AS day, ts, prev_ts, bot_start,
       CASE
           WHEN prev_value IS NULL THEN
               CASE WHEN series_first_ts > bot_first_ts OR bot_start IS NOT NULL THEN value ELSE 0 END
           WHEN value >= prev_value THEN value - prev_value
           ELSE value
       END AS increase
FROM marked;

-- Per UTC day and bot, from Prometheus: RPC requests, errors and p95 latency (interpolated in the day's
-- bucket increases, as histogram_quantile does), transactions (claims included) and failures, gas, fees,
-- scheduler runs and failures, and the uptime share (the mean of `up` over the day's evaluations).
CREATE VIEW ops_daily AS
WITH totals AS (
    SELECT day, bot_id,
           sum(increase) FILTER (WHERE metric = 'bot_id:airdrops_rpc_request_duration_seconds_count:sum')
               AS rpc_requests,
           sum(increase) FILTER (WHERE metric = 'bot_id:airdrops_rpc_request_errors_total:sum') AS rpc_errors,
           sum(increase) FILTER (WHERE metric = 'bot_id_outcome:airdrops_protocol_tx_total:sum') AS tx_count,
           sum(increase) FILTER (WHERE metric = 'bot_id_outcome:airdrops_protocol_tx_total:sum'
                                 AND outcome = 'failure') AS tx_failed,
           sum(increase) FILTER (WHERE metric = 'bot_id:airdrops_protocol_gas_used_total:sum') AS gas_used,
           sum(increase) FILTER (WHERE metric = 'bot_id:airdrops_protocol_gas_cost_usd_total:sum') AS gas_usd,
           sum(increase) FILTER (WHERE metric = 'bot_id:airdrops_protocol_fees_usd_total:sum') AS fees_usd,
           sum(increase) FILTER (WHERE metric = 'bot_id_outcome:airdrops_scheduler_job_runs_total:sum') AS job_runs,
           sum(increase) FILTER (WHERE metric = 'bot_id_outcome:airdrops_scheduler_job_runs_total:sum'
                                 AND outcome = 'failure') AS job_failures
    FROM metric_increases
    GROUP BY day, bot_id
), buckets AS (
    SELECT day, bot_id, CASE WHEN le = '+Inf' THEN NULL ELSE CAST(le AS double precision) END AS upper,
           sum(increase) AS below
    FROM metric_increases
    WHERE metric = 'bot_id_le:airdrops_rpc_request_duration_seconds_bucket:sum'
    GROUP BY day, bot_id, le
), ordered AS (
    SELECT day, bot_id, upper, below,
           max(below) OVER (PARTITION BY day, bot_id) AS observed,
           max(upper) OVER (PARTITION BY day, bot_id) AS top,
           lag(upper) OVER (PARTITION BY day, bot_id ORDER BY upper NULLS LAST) AS lower,
           lag(below) OVER (PARTITION BY day, bot_id ORDER BY upper NULLS LAST) AS below_lower
    FROM buckets
), p95 AS (
    SELECT day, bot_id,
           CASE
               WHEN upper IS NULL THEN top  -- in the +Inf bucket: the highest finite bound, as Prometheus says
               ELSE coalesce(lower, 0) + (upper - coalesce(lower, 0))
                    * (0.95 * observed - coalesce(below_lower, 0)) / nullif(below - coalesce(below_lower, 0), 0)
           END AS rpc_p95_seconds,
           row_number() OVER (PARTITION BY day, bot_id ORDER BY upper NULLS LAST) AS rn
    FROM ordered
    WHERE observed > 0 AND below >= 0.95 * observed
), up AS (
    SELECT CAST(s.ts AT TIME ZONE 'UTC' AS date) AS day, m.labels->>'bot_id' AS bot_id, avg(s.value) AS uptime_share
    FROM metric_samples s
    JOIN metric_series m ON m.series_id = s.series_id
    WHERE m.metric = 'bot_id:airdrops_bot_up:max'
    GROUP BY 1, 2
)
SELECT t.day, t.bot_id,
       CAST(coalesce(t.rpc_requests, 0) AS bigint) AS rpc_requests,
       CAST(coalesce(t.rpc_errors, 0) AS bigint) AS rpc_errors,
       CAST(coalesce(t.rpc_errors, 0) AS double precision) / nullif(t.rpc_requests, 0) AS rpc_error_ratio,
       CAST(p.rpc_p95_seconds AS double precision) AS rpc_p95_seconds,
       CAST(coalesce(t.tx_count, 0) AS bigint) AS tx_count,
       CAST(coalesce(t.tx_failed, 0) AS bigint) AS tx_failed,
       CAST(coalesce(t.gas_used, 0) AS bigint) AS gas_used,
       CAST(coalesce(t.gas_usd, 0) AS double precision) AS gas_usd,
       CAST(coalesce(t.fees_usd, 0) AS double precision) AS fees_usd,
       CAST(coalesce(t.job_runs, 0) AS bigint) AS job_runs,
       CAST(coalesce(t.job_failures, 0) AS bigint) AS job_failures,
       CAST(u.uptime_share AS double precision) AS uptime_share
FROM totals t
LEFT JOIN p95 p ON p.day = t.day AND p.bot_id = t.bot_id AND p.rn = 1
LEFT JOIN up u ON u.day = t.day AND u.bot_id = t.bot_id;

-- Per UTC day, bot and measure: what Prometheus counted against what the event log recorded over the same
-- stretch of time, (window_start, window_end] = from the sample before the day's first to its last; for a bot
-- Prometheus saw from its start, its first window opens at that start (what it did before its first sample is
-- in that sample). Measures: claims, claims_succeeded, claimed_usd, transactions (claims included, as the
-- metric counts them), gas_used, gas_usd, fees_usd. `agrees` when the difference is within
-- `reconcile_tolerance` (table definitions) of the larger side. An event shows in the samples a scrape and a
-- rule evaluation after it happened, so the newest minutes of a running bot are not in its last window yet,
-- and one event may land on either side of midnight: the collector checks the days a run completed.
CREATE VIEW prometheus_vs_events AS
WITH windows AS (
    SELECT day, bot_id,
           CASE WHEN min(ts) = min(min(ts)) OVER (PARTITION BY bot_id) AND max(bot_start) IS NOT NULL
                THEN max(bot_start) - INTERVAL '1 second'
                ELSE min(coalesce(prev_ts, ts)) END AS window_start,
           max(ts) AS window_end
    FROM metric_increases
    GROUP BY day, bot_id
), counted AS (
    SELECT day, bot_id, measure, sum(increase) AS prometheus
    FROM (SELECT day, bot_id, increase,
                 CASE metric
                     WHEN 'bot_id_outcome_reason:airdrops_claim_attempts_total:sum' THEN 'claims'
                     WHEN 'bot_id:airdrops_claim_value_usd_total:sum' THEN 'claimed_usd'
                     WHEN 'bot_id_outcome:airdrops_protocol_tx_total:sum' THEN 'transactions'
                     WHEN 'bot_id:airdrops_protocol_gas_used_total:sum' THEN 'gas_used'
                     WHEN 'bot_id:airdrops_protocol_gas_cost_usd_total:sum' THEN 'gas_usd'
                     WHEN 'bot_id:airdrops_protocol_fees_usd_total:sum' THEN 'fees_usd'
                 END AS measure
          FROM metric_increases
          UNION ALL
          SELECT day, bot_id, increase, 'claims_succeeded'
          FROM metric_increases
          WHERE metric = 'bot_id_outcome_reason:airdrops_claim_attempts_total:sum' AND outcome = 'success') m
    WHERE measure IS NOT NULL
    GROUP BY day, bot_id, measure
), activity AS (
    SELECT w.day, w.bot_id, a.is_claim, a.succeeded, a.gas_used, a.gas_usd, a.fees_usd, a.claimed_usd
    FROM windows w
    JOIN (SELECT bot_id, ts, 0 AS is_claim, 0 AS succeeded, gas_used, fee_usd AS gas_usd,
                 protocol_fee_usd AS fees_usd, CAST(NULL AS numeric(38,18)) AS claimed_usd
          FROM transactions
          UNION ALL
          SELECT bot_id, ts, 1, CASE WHEN outcome = 'success' THEN 1 ELSE 0 END, gas_used, fee_usd, protocol_fee_usd,
                 CASE WHEN outcome = 'success' THEN value_usd END
          FROM claims) a
      ON a.bot_id = w.bot_id AND a.ts > w.window_start AND a.ts <= w.window_end
), recorded AS (
    SELECT day, bot_id, measure, CAST(sum(value) AS double precision) AS events
    FROM (SELECT day, bot_id, 'claims' AS measure, CAST(is_claim AS numeric(38,18)) AS value FROM activity
          UNION ALL SELECT day, bot_id, 'claims_succeeded', succeeded FROM activity
          UNION ALL SELECT day, bot_id, 'claimed_usd', coalesce(claimed_usd, 0) FROM activity
          UNION ALL SELECT day, bot_id, 'transactions', 1 FROM activity
          UNION ALL SELECT day, bot_id, 'gas_used', coalesce(gas_used, 0) FROM activity
          UNION ALL SELECT day, bot_id, 'gas_usd', coalesce(gas_usd, 0) FROM activity
          UNION ALL SELECT day, bot_id, 'fees_usd', coalesce(fees_usd, 0) FROM activity) e
    GROUP BY day, bot_id, measure
)
SELECT c.day, c.bot_id, c.measure, w.window_start, w.window_end,
       CAST(c.prometheus AS double precision) AS prometheus,
       CAST(coalesce(r.events, 0) AS double precision) AS events,
       CAST(c.prometheus - coalesce(r.events, 0) AS double precision) AS difference,
       abs(c.prometheus - coalesce(r.events, 0))
           <= (SELECT value FROM definitions WHERE name = 'reconcile_tolerance')
              * greatest(abs(c.prometheus), abs(coalesce(r.events, 0))) AS agrees
FROM counted c
JOIN windows w ON w.day = c.day AND w.bot_id = c.bot_id
LEFT JOIN recorded r ON r.day = c.day AND r.bot_id = c.bot_id AND r.measure = c.measure;
