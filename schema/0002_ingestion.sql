-- Webhook ingestion (INTERFACES.md "HTTP"): events that arrive before their workflow can take
-- them wait instead of being rejected, inbox bodies expire, and a few lookups the ingestion
-- path makes are indexed. Forward-only: never edit once landed.

-- Out-of-order events. A webhook can overtake the one it follows (orders/cancelled before
-- orders/create; a WMS `shipped` before our wms.create_fulfillment call has committed its answer).
-- Such an event is deferred: it stays unapplied (processed_at NULL) and is not offered again
-- before not_before; `deferrals` counts the postponements (the wait grows with it) and
-- deferred_reason says what it waits for, for the trace. A deferral is not a transition. Any
-- later step of the workflow sets not_before back to its commit time: the state changed, so the
-- event may apply now.
ALTER TABLE events
  ADD COLUMN not_before timestamptz,
  ADD COLUMN deferrals integer NOT NULL DEFAULT 0,
  ADD COLUMN deferred_reason text,
  ADD CONSTRAINT events_deferrals_nonnegative CHECK (deferrals >= 0),
  ADD CONSTRAINT events_deferred_has_time CHECK (deferrals = 0 OR not_before IS NOT NULL);

-- The runtime's poll reads ready events in id order from one index and due deferred events from
-- another, so thousands of deferred events never slow the scan for ready ones (a single partial
-- index on id would walk over every deferred row on each poll).
DROP INDEX events_unprocessed_idx;
CREATE INDEX events_ready_idx ON events (id) WHERE processed_at IS NULL AND not_before IS NULL;
CREATE INDEX events_deferred_due_idx ON events (not_before)
  WHERE processed_at IS NULL AND not_before IS NOT NULL;
-- Every step looks up its workflow's deferred events to make them due again: a probe of this
-- (almost always empty) index, not of all the workflow's events.
CREATE INDEX events_deferred_workflow_idx ON events (workflow_id)
  WHERE processed_at IS NULL AND not_before IS NOT NULL;

-- X-Shopify-Triggered-At as sent (text: a malformed header must not cost the delivery).
ALTER TABLE inbox ADD COLUMN triggered_at text;
-- Retention ("raw bodies expire after the retention period"): finds the bodies still held, so
-- the rows already expired are not walked again on every run.
CREATE INDEX inbox_body_retention_idx ON inbox (received_at) WHERE body IS NOT NULL;
-- Shopify refunds/create for a refund a return workflow created itself starts no refund
-- workflow: found by the return's context.refund_id.
CREATE INDEX workflows_return_refund_idx ON workflows ((context ->> 'refund_id'))
  WHERE type = 'return';
