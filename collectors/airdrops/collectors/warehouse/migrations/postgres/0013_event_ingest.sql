-- events_raw keeps every event as loaded, for audit and reprocessing; nothing queries it by bot.
-- The (bot_id, ts) index cost every load an index insert per event (about a fifth of the table's
-- insert time) and served no query. The ts index stays: the ETL's lag reads max(ts).
DROP INDEX IF EXISTS events_raw_bot_ts;
