#include "engine/ingest/pg_ingest_sql.h"

namespace o2c::ingest_sql {

// Ingestion in one statement (one round trip, one commit). In reading order:
//   seen      the earlier delivery with this (source, delivery_id), if one committed before
//   existing  the target workflow, if this statement's snapshot sees it
//   created   the target inserted when it is missing, may be created, and the delivery is new
//   target    the workflow to signal: existing or created
//   delivery  the inbox row: accepted, pointing at the target
//   queued    the event, only when the inbox row was written (or there is no delivery at all)
// Why ON CONFLICT ... DO UPDATE in `created`: two deliveries for one new order (orders/create and
// orders/paid arriving together) both miss it in their snapshots and both insert. With DO
// NOTHING the loser gets no row back and cannot see the winner's (not in its snapshot), so it
// has nowhere to queue its event; DO UPDATE waits for the winner to commit, then locks and
// returns the winner's row whatever the snapshot. Its no-op SET writes a row version only in
// that race: `existing` skips the insert whenever the workflow is visible. `xmax = 0` tells a row
// this statement inserted from one it found (a found row carries our lock in xmax).
// Why the inbox row comes after the workflow: it records the workflow's id. A repeat racing its
// still-uncommitted first copy passes `seen`, waits on the unique (source, delivery_id) key and
// then inserts nothing, and its event depends on that insert, so it queues nothing either. (The
// race can leave one thing: a new workflow in "start" with no event, had the twin been recorded
// with another verdict at that instant. Nothing runs for it; the handlers never give one delivery
// two verdicts.)
const char* const kIngestDelivery = R"sql(
WITH seen AS (
  SELECT id, verdict, reason, workflow_id FROM inbox WHERE source = $2 AND delivery_id = $3
),
existing AS (
  SELECT id FROM workflows WHERE type = $8 AND business_key = $9
),
created AS (
  INSERT INTO workflows (type, business_key, state, status, context, correlation_id,
                         created_at, updated_at)
  SELECT $8, $9, 'start', 'waiting', $11::jsonb, $12, $1, $1
   WHERE $10 AND NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS (SELECT 1 FROM seen)
  ON CONFLICT (type, business_key) DO UPDATE SET updated_at = workflows.updated_at
  RETURNING id, xmax = 0 AS inserted
),
target AS (
  SELECT id, false AS inserted FROM existing UNION ALL SELECT id, inserted FROM created
),
delivery AS (
  INSERT INTO inbox (source, delivery_id, topic, shop, body, verdict, workflow_id, received_at,
                     triggered_at)
  SELECT $2, $3, $4, $5, $6, 'accepted', t.id, $1, $7 FROM target t
   WHERE $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM seen)
  ON CONFLICT (source, delivery_id) DO NOTHING
  RETURNING id
),
queued AS (
  INSERT INTO events (workflow_id, event, payload, source, created_at)
  SELECT t.id, $13, $14::jsonb, $15, $1 FROM target t
   WHERE $13::text IS NOT NULL AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM delivery))
  RETURNING id
)
SELECT t.id, t.inserted, (SELECT id FROM delivery), (SELECT id FROM queued),
       s.id, s.verdict, s.reason, s.workflow_id
  FROM (SELECT 1) one LEFT JOIN target t ON true LEFT JOIN seen s ON true)sql";

// Two statements, not one with `($1 = '' OR source = $1)`: the store's plans are generic
// (pg_step_sql.h), and a generic plan of that filter walks the whole inbox for a rare source.
#define O2C_RECENT_DELIVERY_COLUMNS                                                  \
  "SELECT id, source, delivery_id, topic, shop, body, verdict, reason, workflow_id," \
  "       (extract(epoch from received_at) * 1000000)::bigint, triggered_at, body IS NULL"
const char* const kRecentDeliveries =
    O2C_RECENT_DELIVERY_COLUMNS "  FROM inbox ORDER BY id DESC LIMIT $1";
const char* const kRecentDeliveriesFrom =
    O2C_RECENT_DELIVERY_COLUMNS "  FROM inbox WHERE source = $1 ORDER BY id DESC LIMIT $2";

// Oldest first, a batch at a time (short statements, no long row locks); SKIP LOCKED lets several
// `serve` processes run retention at once without waiting on each other.
const char* const kExpireInboxBodies =
    "UPDATE inbox SET body = NULL WHERE id IN ("
    "  SELECT id FROM inbox WHERE body IS NOT NULL AND received_at < $1"
    "   ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)";

// Matches workflows_return_refund_idx (0002_ingestion.sql).
const char* const kFromReturnByRefundId =
    " FROM workflows WHERE type = 'return' AND context ->> 'refund_id' = $1 ORDER BY id LIMIT 1";

}  // namespace o2c::ingest_sql
