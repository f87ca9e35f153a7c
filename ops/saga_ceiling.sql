-- One pgbench transaction: 32 complete order sagas (an order and its shipment, 10 steps, 6 tasks
-- leased and completed, 6 attempts, 4 events), hand-written as 17 batched statements, each its own
-- commit. The least SQL a saga needs on the migrated schema, with no reads, checks or engine:
-- the ceiling `bench saga` is measured against (ops/saga-ceiling, README). Ids come from ceil_seq
-- so that every statement finds its rows by key; documents are copied from a real saga (ceil_ctx).
SELECT nextval('ceil_seq') AS base \gset
-- create: 32 orders and their order_received events
WITH o AS (INSERT INTO workflows (id, type, business_key, state, status, context, correlation_id, created_at, updated_at) OVERRIDING SYSTEM VALUE
  SELECT :base + g, 'order', 'ceil-' || (:base + g), 'start', 'running', (SELECT c FROM ceil_ctx), 'corr-' || (:base + g), now(), now() FROM generate_series(0, 31) g RETURNING id)
INSERT INTO events (id, workflow_id, event, payload, source, created_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8, id, 'order_received', (SELECT p FROM ceil_ctx), 'webhook:shopify', now() FROM o;
-- step 1: order consumes order_received, emits erp.resolve_items
WITH wf AS (UPDATE workflows w SET state = 'validating', status = 'running', context = (SELECT c FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base AND :base + 31 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'start', 'order_received', 'validating', '{}', 'webhook:shopify', now() FROM wf),
 ev AS (UPDATE events e SET processed_at = now() FROM wf WHERE e.id = wf.id * 8)
INSERT INTO tasks (id, workflow_id, activity, input, idempotency_key, max_attempts, next_attempt_at, created_at, updated_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8 + 1, id, 'erp.resolve_items', (SELECT i1 FROM ceil_ctx), 'k' || id || '-1', 6, now(), now(), now() FROM wf;
UPDATE tasks SET status = 'leased', attempt = attempt + 1, lease_owner = 'worker:c', lease_expires_at = now() + interval '30 s', updated_at = now()
  WHERE id IN (SELECT id FROM tasks WHERE workflow_id BETWEEN :base AND :base + 31 AND status IN ('pending', 'leased') AND (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END) <= now() FOR UPDATE SKIP LOCKED);
-- step 2: resolve_items succeeded, emits routing.assign
WITH wf AS (UPDATE workflows w SET state = 'routing', status = 'running', context = (SELECT c FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base AND :base + 31 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'validating', 'items_resolved', 'routing', '{}', 'worker:c', now() FROM wf),
 done AS (UPDATE tasks k SET status = 'succeeded', result = (SELECT r FROM ceil_ctx), lease_expires_at = NULL, updated_at = now() FROM wf WHERE k.id = wf.id * 8 + 1 RETURNING k.id, k.attempt),
 att AS (INSERT INTO task_attempts SELECT id, 1, attempt, 'worker:c', now(), now(), 'succeeded' FROM done)
INSERT INTO tasks (id, workflow_id, activity, input, idempotency_key, max_attempts, next_attempt_at, created_at, updated_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8 + 2, id, 'routing.assign', (SELECT i1 FROM ceil_ctx), 'k' || id || '-2', 6, now(), now(), now() FROM wf;
UPDATE tasks SET status = 'leased', attempt = attempt + 1, lease_owner = 'worker:c', lease_expires_at = now() + interval '30 s', updated_at = now()
  WHERE id IN (SELECT id FROM tasks WHERE workflow_id BETWEEN :base AND :base + 31 AND status IN ('pending', 'leased') AND (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END) <= now() FOR UPDATE SKIP LOCKED);
-- step 3: routing succeeded, emits erp.create_sales_order
WITH wf AS (UPDATE workflows w SET state = 'creating_erp_order', status = 'running', context = (SELECT c FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base AND :base + 31 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'routing', 'allocated', 'creating_erp_order', '{}', 'worker:c', now() FROM wf),
 done AS (UPDATE tasks k SET status = 'succeeded', result = (SELECT r FROM ceil_ctx), lease_expires_at = NULL, updated_at = now() FROM wf WHERE k.id = wf.id * 8 + 2 RETURNING k.id, k.attempt),
 att AS (INSERT INTO task_attempts SELECT id, 1, attempt, 'worker:c', now(), now(), 'succeeded' FROM done)
INSERT INTO tasks (id, workflow_id, activity, input, idempotency_key, max_attempts, next_attempt_at, created_at, updated_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8 + 3, id, 'erp.create_sales_order', (SELECT i1 FROM ceil_ctx), 'k' || id || '-3', 6, now(), now(), now() FROM wf;
UPDATE tasks SET status = 'leased', attempt = attempt + 1, lease_owner = 'worker:c', lease_expires_at = now() + interval '30 s', updated_at = now()
  WHERE id IN (SELECT id FROM tasks WHERE workflow_id BETWEEN :base AND :base + 31 AND status IN ('pending', 'leased') AND (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END) <= now() FOR UPDATE SKIP LOCKED);
-- step 4: ERP order created; the order waits (fulfilling), its shipment child is created with shipment_requested
WITH wf AS (UPDATE workflows w SET state = 'fulfilling', status = 'waiting', context = (SELECT c FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base AND :base + 31 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'creating_erp_order', 'erp_order_created', 'fulfilling', '{}', 'worker:c', now() FROM wf),
 done AS (UPDATE tasks k SET status = 'succeeded', result = (SELECT r FROM ceil_ctx), lease_expires_at = NULL, updated_at = now() FROM wf WHERE k.id = wf.id * 8 + 3 RETURNING k.id, k.attempt),
 att AS (INSERT INTO task_attempts SELECT id, 1, attempt, 'worker:c', now(), now(), 'succeeded' FROM done),
 ch AS (INSERT INTO workflows (id, type, business_key, parent_id, state, status, context, correlation_id, created_at, updated_at) OVERRIDING SYSTEM VALUE
   SELECT id + 500000000, 'shipment', 'ceil-s-' || id, id, 'start', 'running', (SELECT s FROM ceil_ctx), 'corr-' || id, now(), now() FROM wf RETURNING id)
INSERT INTO events (id, workflow_id, event, payload, source, created_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8, id, 'shipment_requested', '{}', 'engine', now() FROM ch;
-- step 5: shipment consumes shipment_requested, emits wms.create_fulfillment
WITH wf AS (UPDATE workflows w SET state = 'requesting', status = 'running', context = (SELECT s FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base + 500000000 AND :base + 500000031 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'start', 'shipment_requested', 'requesting', '{}', 'engine', now() FROM wf),
 ev AS (UPDATE events e SET processed_at = now() FROM wf WHERE e.id = wf.id * 8)
INSERT INTO tasks (id, workflow_id, activity, input, idempotency_key, max_attempts, next_attempt_at, created_at, updated_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8 + 1, id, 'wms.create_fulfillment', (SELECT i1 FROM ceil_ctx), 'k' || id || '-1', 6, now(), now(), now() FROM wf;
UPDATE tasks SET status = 'leased', attempt = attempt + 1, lease_owner = 'worker:c', lease_expires_at = now() + interval '30 s', updated_at = now()
  WHERE id IN (SELECT id FROM tasks WHERE workflow_id BETWEEN :base + 500000000 AND :base + 500000031 AND status IN ('pending', 'leased') AND (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END) <= now() FOR UPDATE SKIP LOCKED);
-- step 6: fulfillment accepted; the WMS's shipped event arrives
WITH wf AS (UPDATE workflows w SET state = 'awaiting_pick', status = 'waiting', context = (SELECT s FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base + 500000000 AND :base + 500000031 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'requesting', 'fulfillment_accepted', 'awaiting_pick', '{}', 'worker:c', now() FROM wf),
 done AS (UPDATE tasks k SET status = 'succeeded', result = (SELECT r FROM ceil_ctx), lease_expires_at = NULL, updated_at = now() FROM wf WHERE k.id = wf.id * 8 + 1 RETURNING k.id, k.attempt),
 att AS (INSERT INTO task_attempts SELECT id, 1, attempt, 'worker:c', now(), now(), 'succeeded' FROM done)
INSERT INTO events (id, workflow_id, event, payload, source, created_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8 + 1, id, 'shipped', '{}', 'webhook:wms', now() FROM wf;
-- step 7: shipment consumes shipped, emits the fulfillment notification
WITH wf AS (UPDATE workflows w SET state = 'shipped', status = 'running', context = (SELECT s FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base + 500000000 AND :base + 500000031 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'awaiting_pick', 'shipped', 'shipped', '{}', 'webhook:wms', now() FROM wf),
 ev AS (UPDATE events e SET processed_at = now() FROM wf WHERE e.id = wf.id * 8 + 1)
INSERT INTO tasks (id, workflow_id, activity, input, idempotency_key, max_attempts, next_attempt_at, created_at, updated_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8 + 2, id, 'shopify.notify_fulfillment', (SELECT i1 FROM ceil_ctx), 'k' || id || '-2', 6, now(), now(), now() FROM wf;
UPDATE tasks SET status = 'leased', attempt = attempt + 1, lease_owner = 'worker:c', lease_expires_at = now() + interval '30 s', updated_at = now()
  WHERE id IN (SELECT id FROM tasks WHERE workflow_id BETWEEN :base + 500000000 AND :base + 500000031 AND status IN ('pending', 'leased') AND (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END) <= now() FOR UPDATE SKIP LOCKED);
-- step 8: notified, emits erp.post_invoice
WITH wf AS (UPDATE workflows w SET state = 'shipped', status = 'running', context = (SELECT s FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base + 500000000 AND :base + 500000031 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'shipped', 'fulfillment_notified', 'shipped', '{}', 'worker:c', now() FROM wf),
 done AS (UPDATE tasks k SET status = 'succeeded', result = (SELECT r FROM ceil_ctx), lease_expires_at = NULL, updated_at = now() FROM wf WHERE k.id = wf.id * 8 + 2 RETURNING k.id, k.attempt),
 att AS (INSERT INTO task_attempts SELECT id, 1, attempt, 'worker:c', now(), now(), 'succeeded' FROM done)
INSERT INTO tasks (id, workflow_id, activity, input, idempotency_key, max_attempts, next_attempt_at, created_at, updated_at) OVERRIDING SYSTEM VALUE
  SELECT id * 8 + 3, id, 'erp.post_invoice', (SELECT i1 FROM ceil_ctx), 'k' || id || '-3', 6, now(), now(), now() FROM wf;
UPDATE tasks SET status = 'leased', attempt = attempt + 1, lease_owner = 'worker:c', lease_expires_at = now() + interval '30 s', updated_at = now()
  WHERE id IN (SELECT id FROM tasks WHERE workflow_id BETWEEN :base + 500000000 AND :base + 500000031 AND status IN ('pending', 'leased') AND (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END) <= now() FOR UPDATE SKIP LOCKED);
-- step 9: invoice posted, shipment closed, shipment_closed to the parent
WITH wf AS (UPDATE workflows w SET state = 'closed', status = 'closed', context = (SELECT s FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base + 500000000 AND :base + 500000031 RETURNING w.id, w.parent_id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'shipped', 'invoice_posted', 'closed', '{}', 'worker:c', now() FROM wf),
 done AS (UPDATE tasks k SET status = 'succeeded', result = (SELECT r FROM ceil_ctx), lease_expires_at = NULL, updated_at = now() FROM wf WHERE k.id = wf.id * 8 + 3 RETURNING k.id, k.attempt),
 att AS (INSERT INTO task_attempts SELECT id, 1, attempt, 'worker:c', now(), now(), 'succeeded' FROM done)
INSERT INTO events (id, workflow_id, event, payload, source, created_at) OVERRIDING SYSTEM VALUE
  SELECT parent_id * 8 + 1, parent_id, 'shipment_closed', '{"shipment": 1}', 'child:' || id, now() FROM wf;
-- step 10: the order consumes shipment_closed and completes
WITH wf AS (UPDATE workflows w SET state = 'completed', status = 'completed', context = (SELECT c FROM ceil_ctx), version = version + 1, next_seq = next_seq + 1, updated_at = now()
  WHERE w.id BETWEEN :base AND :base + 31 RETURNING w.id, w.next_seq - 1 AS seq),
 tr AS (INSERT INTO transitions SELECT id, seq, 'fulfilling', 'shipment_closed', 'completed', '{}', 'engine', now() FROM wf)
UPDATE events e SET processed_at = now() FROM wf WHERE e.id = wf.id * 8 + 1;
