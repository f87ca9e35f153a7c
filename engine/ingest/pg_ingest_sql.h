// The SQL of ingestion and of the inbox, for PgWorkflowStore (engine/pg_workflow_store.cc runs
// them). Kept apart, as pg_step_sql.h is, because kIngestDelivery carries the ingestion
// guarantee (ARCHITECTURE.md "Execution model" step 1: the delivery recorded and the workflow
// started or signalled in the same commit); read it with WorkflowStore::IngestDelivery at hand.
#pragma once

namespace o2c::ingest_sql {

// $1 now, $2 inbox source (NULL: no inbox row), $3 delivery_id, $4 topic, $5 shop, $6 body
// (bytea), $7 triggered_at, $8 workflow type, $9 business key, $10 create if missing, $11 initial
// context (jsonb), $12 correlation id, $13 event (NULL: none), $14 payload (jsonb), $15 event
// source. One row: (workflow id, created, new inbox id, new event id, and the earlier delivery's
// id, verdict, reason, workflow id when it was seen before).
extern const char* const kIngestDelivery;

// The newest deliveries: kRecentDeliveries from any source ($1 limit), kRecentDeliveriesFrom from
// one ($1 source, $2 limit). Columns: id, source, delivery_id, topic, shop, body, verdict, reason,
// workflow_id, received_at (microseconds), triggered_at, body expired.
extern const char* const kRecentDeliveries;
extern const char* const kRecentDeliveriesFrom;

// $1 received before, $2 limit.
extern const char* const kExpireInboxBodies;

// Appended to "SELECT <workflow columns>": $1 the Shopify refund id.
extern const char* const kFromReturnByRefundId;

}  // namespace o2c::ingest_sql
