-- +goose Up
-- Councils a consortium treats as adjoining for the distant-placement rule (Care
-- Planning, Placement and Case Review (England) Regulations 2010, reg. 11) although
-- their ONS boundaries do not meet, e.g. across an estuary. Each pair is stored once,
-- lower ONS code first, with the reason; adding and removing one is audited.
CREATE TABLE adjacency_overrides (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consortium_id   bigint NOT NULL,
    consortium_kind text GENERATED ALWAYS AS ('consortium') STORED,
    ons_a           text NOT NULL REFERENCES organisations (ons_code),
    ons_b           text NOT NULL REFERENCES organisations (ons_code),
    reason          text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    created_by      bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (consortium_id, consortium_kind) REFERENCES organisations (id, kind),
    CONSTRAINT adjacency_overrides_pair_ordered CHECK (ons_a < ons_b),
    CONSTRAINT adjacency_overrides_once UNIQUE (consortium_id, ons_a, ons_b)
);

-- +goose Down
DROP TABLE adjacency_overrides;
