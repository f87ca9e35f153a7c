-- o2c data model (ARCHITECTURE.md "Data model"). Forward-only: never edit once landed; add a new
-- numbered file instead. Every table that belongs to one workflow carries workflow_id, and every
-- hot query is keyed by it, so the schema can later be distributed by workflow_id.

CREATE TABLE workflows (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type             text NOT NULL,
  business_key     text NOT NULL,
  parent_id        bigint REFERENCES workflows (id),
  state            text NOT NULL,
  status           text NOT NULL,
  context          jsonb NOT NULL DEFAULT '{}',
  version          bigint NOT NULL DEFAULT 0,
  next_seq         bigint NOT NULL DEFAULT 1,  -- seq of the next transition row
  attention_reason text,
  correlation_id   text NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CONSTRAINT workflows_type_business_key_key UNIQUE (type, business_key),
  CONSTRAINT workflows_type_known CHECK (type IN ('order', 'shipment', 'return', 'refund', 'bench')),
  CONSTRAINT workflows_status_known CHECK (status IN ('running', 'waiting', 'needs_attention',
    'completed', 'cancelled', 'compensated', 'failed', 'closed')),
  CONSTRAINT workflows_attention_has_reason
    CHECK (status <> 'needs_attention' OR attention_reason IS NOT NULL),
  CONSTRAINT workflows_version_nonnegative CHECK (version >= 0),
  CONSTRAINT workflows_business_key_nonempty CHECK (business_key <> '')
);
CREATE INDEX workflows_parent_idx ON workflows (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX workflows_status_updated_idx ON workflows (status, updated_at, id);
CREATE INDEX workflows_type_state_idx ON workflows (type, state, updated_at, id);
CREATE INDEX workflows_correlation_idx ON workflows (correlation_id);

-- Append-only audit trail: one row per applied (or rejected) event.
CREATE TABLE transitions (
  workflow_id bigint NOT NULL REFERENCES workflows (id),
  seq         bigint NOT NULL,
  from_state  text NOT NULL,
  event       text NOT NULL,
  to_state    text NOT NULL,
  payload     jsonb NOT NULL DEFAULT '{}',
  actor       text NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (workflow_id, seq),
  CONSTRAINT transitions_actor_known
    CHECK (actor = 'engine' OR actor ~ '^(worker|operator|runbook|webhook):.+$')
);

-- Activity commands (the transactional outbox). idempotency_key is what the downstream sees.
CREATE TABLE tasks (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow_id      bigint NOT NULL REFERENCES workflows (id),
  activity         text NOT NULL,
  input            jsonb NOT NULL DEFAULT '{}',
  idempotency_key  text NOT NULL,
  status           text NOT NULL DEFAULT 'pending',
  attempt          integer NOT NULL DEFAULT 0,
  max_attempts     integer NOT NULL,
  next_attempt_at  timestamptz NOT NULL,
  lease_owner      text,
  lease_expires_at timestamptz,
  last_error       text,
  result           jsonb,
  compensates      bigint REFERENCES tasks (id),
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CONSTRAINT tasks_idempotency_key_key UNIQUE (idempotency_key),
  CONSTRAINT tasks_status_known
    CHECK (status IN ('pending', 'leased', 'succeeded', 'failed', 'dead')),
  CONSTRAINT tasks_dead_has_error CHECK (status <> 'dead' OR last_error IS NOT NULL),
  CONSTRAINT tasks_failed_has_error CHECK (status <> 'failed' OR last_error IS NOT NULL),
  CONSTRAINT tasks_leased_has_owner
    CHECK (status <> 'leased' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CONSTRAINT tasks_succeeded_has_result CHECK (status <> 'succeeded' OR result IS NOT NULL),
  CONSTRAINT tasks_max_attempts_positive CHECK (max_attempts > 0),
  CONSTRAINT tasks_attempt_nonnegative CHECK (attempt >= 0)
);
-- One index serves leasing: a pending task is due at next_attempt_at, a leased one when its lease
-- expires, so a single ordered scan finds both new work and work abandoned by a crashed worker.
CREATE INDEX tasks_due_idx ON tasks ((CASE status WHEN 'pending' THEN next_attempt_at
                                                  ELSE lease_expires_at END))
  WHERE status IN ('pending', 'leased');
CREATE INDEX tasks_workflow_idx ON tasks (workflow_id, id);
CREATE INDEX tasks_dead_idx ON tasks (activity, updated_at) WHERE status = 'dead';
-- Every foreign key has an index on its referencing side: without one, deleting a referenced
-- row (retention, tests) scans the whole referencing table once per row.
CREATE INDEX tasks_compensates_idx ON tasks (compensates) WHERE compensates IS NOT NULL;

-- Durable timers (ship_sla, return_window). Fired exactly once: fired_at is set in the same
-- statement that applies the timer's event to the workflow.
CREATE TABLE timers (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow_id  bigint NOT NULL REFERENCES workflows (id),
  name         text NOT NULL,
  fire_at      timestamptz NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  fired_at     timestamptz,
  cancelled_at timestamptz,
  created_at   timestamptz NOT NULL,
  CONSTRAINT timers_workflow_name_key UNIQUE (workflow_id, name),
  CONSTRAINT timers_fired_or_cancelled CHECK (fired_at IS NULL OR cancelled_at IS NULL)
);
CREATE INDEX timers_due_idx ON timers (fire_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Inputs waiting for a workflow (webhook events, signals from children and parents, operator
-- commands). Applied in id order, one at a time per workflow; processed_at marks them consumed.
CREATE TABLE events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow_id  bigint NOT NULL REFERENCES workflows (id),
  event        text NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  source       text NOT NULL,
  created_at   timestamptz NOT NULL,
  processed_at timestamptz
);
CREATE INDEX events_workflow_idx ON events (workflow_id, id);
CREATE INDEX events_unprocessed_idx ON events (id) WHERE processed_at IS NULL;

-- Every webhook delivery as it arrived, accepted or not; raw bodies expire after the retention
-- period (body set to NULL, the row and its verdict stay).
CREATE TABLE inbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text NOT NULL,
  delivery_id text,
  topic       text,
  shop        text,
  body        bytea,
  verdict     text NOT NULL,
  reason      text,
  workflow_id bigint REFERENCES workflows (id),
  received_at timestamptz NOT NULL,
  CONSTRAINT inbox_source_delivery_key UNIQUE (source, delivery_id),
  CONSTRAINT inbox_source_known CHECK (source IN ('shopify', 'wms')),
  CONSTRAINT inbox_verdict_known
    CHECK (verdict IN ('accepted', 'rejected', 'unknown_topic', 'unauthorized')),
  CONSTRAINT inbox_rejection_has_reason CHECK (verdict = 'accepted' OR reason IS NOT NULL)
);
CREATE INDEX inbox_received_idx ON inbox (received_at);
CREATE INDEX inbox_workflow_idx ON inbox (workflow_id) WHERE workflow_id IS NOT NULL;

-- Who did what to which workflow, and why. Runbook runs are one row with workflow_id NULL.
CREATE TABLE operator_actions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow_id bigint REFERENCES workflows (id),
  action      text NOT NULL,
  actor       text NOT NULL,
  reason      text NOT NULL,
  params      jsonb NOT NULL DEFAULT '{}',
  dry_run     boolean NOT NULL DEFAULT false,
  result      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL,
  CONSTRAINT operator_actions_reason_given CHECK (btrim(reason) <> ''),
  CONSTRAINT operator_actions_actor_known CHECK (actor ~ '^(operator|runbook):.+$')
);
CREATE INDEX operator_actions_workflow_idx ON operator_actions (workflow_id, at);

CREATE TABLE audit_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL,
  since       timestamptz NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  findings    integer NOT NULL DEFAULT 0,
  CONSTRAINT audit_runs_kind_known CHECK (kind IN ('refunds'))
);

CREATE TABLE audit_findings (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id      bigint NOT NULL REFERENCES audit_runs (id),
  kind        text NOT NULL,
  workflow_id bigint REFERENCES workflows (id),
  details     jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT audit_findings_kind_known CHECK (kind IN ('refund_without_credit_memo',
    'credit_memo_without_refund', 'amount_mismatch', 'currency_mismatch',
    'duplicate_credit_memo', 'return_stuck'))
);
CREATE INDEX audit_findings_run_idx ON audit_findings (run_id);
CREATE INDEX audit_findings_workflow_idx ON audit_findings (workflow_id) WHERE workflow_id IS NOT NULL;
