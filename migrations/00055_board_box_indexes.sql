-- +goose Up
-- The vacancy board finds the homes within a distance by a box of latitude and longitude
-- drawn round the circle, and lets hearth_miles decide (issue 18). Plain B-trees on
-- (lat, lon) give the planner real statistics for the box, where earthdistance's cube
-- had a fixed guess, so it can AND the box with the needs index and fetch only the homes
-- in both: at ten times national scale 581 homes for the usual search near Manchester,
-- against the 8,823 the cube's box handed over. The usual search is for beds free now,
-- which the partial index serves.
CREATE INDEX homes_lat_lon_idx ON homes (lat, lon);
CREATE INDEX homes_free_lat_lon_idx ON homes (lat, lon) WHERE beds_free > 0;

-- +goose Down
DROP INDEX homes_free_lat_lon_idx;
DROP INDEX homes_lat_lon_idx;
