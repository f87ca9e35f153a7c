// The statements a worker loop polls with: taking due tasks and due timers. Kept apart from
// pg_workflow_store.cc so that their plans can be tested (query_plans_pgtest.cc): the store's
// connections always plan generically (pg_step_sql.h), so these plans must hold for any limit
// and any number of due rows.
#pragma once

#include <string>

namespace o2c {

// $1 worker id, $2 now, $3 lease length in ms, $4 most tasks to take. Returns the leased tasks
// (kTaskColumns of pg_store_internal.h).
extern const std::string kLeaseTasks;

// $1 now, $2 most timers. Columns: id, workflow id, name, fire_at (microseconds), payload.
extern const char* const kDueTimers;

}  // namespace o2c
