-- token_outflows keeps only the tokens a successful claim brought in (airdrops.collectors.warehouse.rollups,
-- CLAIMED): the farming's own swaps and bridges are most transactions, and airdrop_returns never priced them.
DELETE FROM token_outflows WHERE token NOT IN (SELECT token FROM claims_daily WHERE outcome = 'success' AND token <> '');
