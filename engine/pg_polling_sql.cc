#include "engine/pg_polling_sql.h"

#include "engine/pg_store_internal.h"

namespace o2c {

// Takes due work: pending tasks whose time has come and leased tasks whose lease expired (their
// worker is presumed dead). SKIP LOCKED lets workers lease in parallel without waiting on each
// other; the row lock plus the re-check of the WHERE clause on the locked row guarantee a task
// goes to one worker only. The CASE expression matches tasks_due_idx exactly.
const std::string kLeaseTasks =
    std::string(
        "WITH due AS ("
        "  SELECT id FROM tasks"
        "   WHERE status IN ('pending', 'leased')"
        "     AND (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END) <= $2"
        "   ORDER BY (CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END)"
        "   LIMIT $4 FOR UPDATE SKIP LOCKED) "
        "UPDATE tasks t SET status = 'leased', lease_owner = $1,"
        "       lease_expires_at = $2::timestamptz + $3 * interval '1 millisecond',"
        "       attempt = t.attempt + 1, updated_at = $2"
        "  FROM due WHERE t.id = due.id RETURNING ") +
    kTaskColumns;

const char* const kDueTimers =
    "SELECT id, workflow_id, name, " O2C_MICROS("fire_at") ", payload::text FROM timers"
    " WHERE fired_at IS NULL AND cancelled_at IS NULL AND fire_at <= $1"
    " ORDER BY fire_at, id LIMIT $2";

}  // namespace o2c
