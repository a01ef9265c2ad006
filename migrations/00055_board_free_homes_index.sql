-- +goose Up
-- The vacancy board's usual search is for beds free now within a distance (issue 18).
-- At ten times national scale the geographic index hands the usual search near
-- Manchester 8,823 homes in its box to fetch and filter, of which about a third have a
-- bed free; the same index over the homes with a bed free now hands it only those
-- (3,088), and is what the planner picks whenever the search asks for beds free now.
CREATE INDEX homes_earth_free_idx ON homes USING gist (ll_to_earth(lat, lon)) WHERE beds_free > 0;

-- +goose Down
DROP INDEX homes_earth_free_idx;
