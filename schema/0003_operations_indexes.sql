-- Indexes for operations (o2c list, o2c trace, the operator API) at a million workflows; the
-- figures are in README "Performance" (o2c bench list). Each one is paid on the write path, so
-- only these: the shapes engine/ops queries use, partial where the rows they serve are few.

-- Ordered pages without a status or type+state filter (first page, --type alone, --older-than).
CREATE INDEX workflows_updated_idx ON workflows (updated_at, id);
CREATE INDEX workflows_type_updated_idx ON workflows (type, updated_at, id);

-- Trace: the returns and refunds of one order, by the order id in their context.
CREATE INDEX workflows_return_order_idx ON workflows ((context #>> '{return,order_id}'))
  WHERE type = 'return';
CREATE INDEX workflows_refund_order_idx ON workflows ((context #>> '{refund,order_id}'))
  WHERE type = 'refund';

-- Trace by a downstream document number (SO-..., WF-..., CM-...): only succeeded tasks carry
-- one, and a task's result is written once, so the index costs one insert per finished call.
CREATE INDEX tasks_result_path_idx ON tasks USING gin (result jsonb_path_ops)
  WHERE status = 'succeeded';

-- Left out on purpose: trigram GIN indexes for `--q` text search on business_key. A workflow row
-- is rewritten on every step (no HOT update: status and updated_at are indexed), so each step
-- would add ~40 GIN entries. `o2c bench list --proposed-indexes` measures what they would buy.
