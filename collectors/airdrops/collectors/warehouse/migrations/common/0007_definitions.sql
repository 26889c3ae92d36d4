-- The vocabulary's definitions in the warehouse (airdrops.monitoring.vocabulary, synced on every migrate by
-- airdrops.collectors.warehouse.definitions): the claim taxonomy and the thresholds of the ratios. The views
-- read them from here, so no view restates which claim reasons count or when an ROI means nothing.
CREATE TABLE claim_reasons (
    reason text PRIMARY KEY,
    outcome text NOT NULL,
    expected boolean NOT NULL,
    ineligible boolean NOT NULL,
    fallback boolean NOT NULL,
    description text NOT NULL
);

CREATE TABLE definitions (
    name text PRIMARY KEY,
    value double precision NOT NULL,
    description text NOT NULL
);
