-- +goose Up
-- A simulation is heavy, single-threaded work on the background workers that mail,
-- webhooks and billing share: at most one runs at a time in the whole deployment, the
-- rest wait their turn in the queue. Any second "running" row is queued again first.
UPDATE simulation_runs SET status = 'queued', started_at = NULL, stage = '', done = 0
WHERE status = 'running' AND id <> (SELECT max(id) FROM simulation_runs WHERE status = 'running');
CREATE UNIQUE INDEX simulation_runs_one_running ON simulation_runs ((true)) WHERE status = 'running';

-- +goose Down
DROP INDEX simulation_runs_one_running;
