-- +goose Up
-- Outcomes simulator runs (issue 17): a consortium admin asks for a region-year with its
-- parameters; the run_simulations job claims it, reports progress and stores the result.
-- The result is synthetic (the national seed's homes and generated children), never child data.
CREATE TABLE simulation_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consortium_id   bigint NOT NULL,
    consortium_kind text NOT NULL DEFAULT 'consortium' CHECK (consortium_kind = 'consortium'),
    requested_by    bigint REFERENCES users (id),
    params          jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
    sensitivity     boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    stage           text NOT NULL DEFAULT '',
    done            integer NOT NULL DEFAULT 0 CHECK (done >= 0),
    total           integer NOT NULL DEFAULT 0 CHECK (total >= 0),
    result          jsonb,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    FOREIGN KEY (consortium_id, consortium_kind) REFERENCES organisations (id, kind),
    CONSTRAINT progress_within_total CHECK (done <= total),
    -- A finished run has its result (done) or its error (failed), and only then.
    CONSTRAINT result_when_done CHECK ((status = 'done') = (result IS NOT NULL)),
    CONSTRAINT error_when_failed CHECK ((status = 'failed') = (error IS NOT NULL)),
    CONSTRAINT started_unless_queued CHECK ((status = 'queued') = (started_at IS NULL)),
    CONSTRAINT finished_when_over CHECK ((status IN ('done', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX simulation_runs_consortium_idx ON simulation_runs (consortium_id, id DESC);
CREATE INDEX simulation_runs_queued_idx ON simulation_runs (id) WHERE status = 'queued';

-- +goose Down
DROP TABLE simulation_runs;
