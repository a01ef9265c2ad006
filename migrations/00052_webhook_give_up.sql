-- +goose Up
-- When a webhook delivery last became pending: when it was made, or when it was sent
-- again from the log. The queue's sweep works on deliveries pending for less than
-- webhook.MaxAge and marks those pending longer as failed, so a replay of an old
-- delivery is swept like a new one and nothing stays pending for ever.
ALTER TABLE webhook_deliveries ADD COLUMN pending_since timestamptz;
UPDATE webhook_deliveries SET pending_since = created_at;
ALTER TABLE webhook_deliveries ALTER COLUMN pending_since SET NOT NULL,
    ALTER COLUMN pending_since SET DEFAULT now();
CREATE INDEX webhook_deliveries_pending_since_idx ON webhook_deliveries (pending_since) WHERE status = 'pending';

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN pending_since;
