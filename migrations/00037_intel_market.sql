-- +goose Up
-- Regional intelligence, market and price (issue 15), summarised: computing spend night by
-- night and medians of fees over a consortium's year per page view is too slow on
-- national history, so intelligence.RefreshMarket (the refresh_market task) rebuilds these
-- tables and records when in intel_refreshes (view 'market', shown as "data as of").
-- Counts are stored whole; the view suppresses those under 5 when it reads them.

-- One group of a consortium's placements in the window: NULL in council_id, lot, tier or
-- month means every council, lot, tier or month of the window (a CUBE).
CREATE TABLE intel_market (
    consortium_id       bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id          bigint REFERENCES organisations (id) ON DELETE CASCADE,
    lot                 text,
    tier                text CHECK (tier IN ('standard', 'complex', 'specialist')),
    month               date CHECK (month = date_trunc('month', month)),
    -- Placements with a night in the group, the nights, what they cost (a seventh of the
    -- weekly fee a night) and what the same nights would have cost at the ceiling.
    placements          integer NOT NULL CHECK (placements >= 0),
    nights              bigint NOT NULL CHECK (nights >= 0),
    spend_pence         bigint NOT NULL CHECK (spend_pence >= 0),
    ceiling_spend_pence bigint NOT NULL CHECK (ceiling_spend_pence >= 0),
    -- Awards made in the group: their median weekly fee, how many were above the ceiling
    -- and how many at 10,000 pounds a week or more.
    awards              integer NOT NULL CHECK (awards >= 0),
    fee_median_pence    bigint,
    awards_over_ceiling integer NOT NULL CHECK (awards_over_ceiling BETWEEN 0 AND awards),
    awards_10k          integer NOT NULL CHECK (awards_10k BETWEEN 0 AND awards),
    ceiling_pence       bigint, -- the lot and tier's ceiling (rows with both)
    -- Levy on the councils' paid invoices for the month, less credit notes' (rows for
    -- every lot and tier only).
    levy_pence          bigint NOT NULL DEFAULT 0,
    CONSTRAINT median_of_awards CHECK ((awards = 0) = (fee_median_pence IS NULL)),
    CONSTRAINT nights_of_placements CHECK ((placements = 0) = (nights = 0)),
    CONSTRAINT levy_on_totals CHECK (levy_pence = 0 OR (lot IS NULL AND tier IS NULL)),
    CONSTRAINT ceiling_of_a_tier CHECK (ceiling_pence IS NULL OR (lot IS NOT NULL AND tier IS NOT NULL))
);
CREATE UNIQUE INDEX intel_market_key ON intel_market (consortium_id, coalesce(council_id, 0), coalesce(lot, ''), coalesce(tier, ''), coalesce(month, '-infinity'));

-- The same provider's awards on a lot and tier, council by council, over the window
-- (bought by two councils or more), with the names as at the refresh so that the view
-- reads one table.
CREATE TABLE intel_provider_prices (
    consortium_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    provider_id   bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    provider      text NOT NULL,
    lot           text NOT NULL,
    tier          text NOT NULL,
    council_id    bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council       text NOT NULL,
    awards        integer NOT NULL CHECK (awards > 0),
    min_pence     bigint NOT NULL,
    median_pence  bigint NOT NULL,
    max_pence     bigint NOT NULL,
    CONSTRAINT prices_in_order CHECK (min_pence <= median_pence AND median_pence <= max_pence),
    PRIMARY KEY (consortium_id, provider_id, lot, tier, council_id)
);

-- A council's own placements at 10,000 pounds a week or more, which the view lists live
-- (intelligence.HighFee): few, so a small partial index finds them.
CREATE INDEX placements_high_fee_idx ON placements (council_id, awarded_at) WHERE weekly_fee_pence >= 1000000 AND status <> 'refused';

-- +goose Down
DROP INDEX placements_high_fee_idx;
DELETE FROM intel_refreshes WHERE view = 'market';
DROP TABLE intel_provider_prices;
DROP TABLE intel_market;
