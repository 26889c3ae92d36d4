-- The event tables' B-tree indexes on ts, (protocol, ts) and, for the tables prometheus_vs_events does not read,
-- (bot_id, ts) served the views that read event rows before 0014; no query uses them now, and every load paid
-- an insert into each per event. One BRIN index on ts per event table replaces them: the ETL appends in time
-- order, so a few pages of block ranges answer a time-range query on the raw rows at a fraction of the size.
-- Kept: transactions and claims (bot_id, ts) (prometheus_vs_events), prices (token, ts) (airdrop_returns'
-- price of each sale), events_raw (ts) (the ETL's lag reads max(ts), which BRIN cannot answer).
-- DuckDB keeps min/max zone maps per row group by itself; its 0015 is airdrop_returns with an ASOF join.
DROP INDEX transactions_ts;
DROP INDEX transactions_protocol_ts;
DROP INDEX claims_ts;
DROP INDEX claims_protocol_ts;
DROP INDEX allocations_ts;
DROP INDEX allocations_bot_ts;
DROP INDEX risk_breaches_ts;
DROP INDEX risk_breaches_bot_ts;
DROP INDEX portfolio_snapshots_ts;
DROP INDEX portfolio_snapshots_bot_ts;
DROP INDEX prices_ts;
CREATE INDEX transactions_ts_brin ON transactions USING brin (ts);
CREATE INDEX claims_ts_brin ON claims USING brin (ts);
CREATE INDEX allocations_ts_brin ON allocations USING brin (ts);
CREATE INDEX risk_breaches_ts_brin ON risk_breaches USING brin (ts);
CREATE INDEX portfolio_snapshots_ts_brin ON portfolio_snapshots USING brin (ts);
CREATE INDEX prices_ts_brin ON prices USING brin (ts);
