// What running an activity can come to, and the interface the runtime hands activities to.
//
// The runtime leases a task, calls ActivityExecutor::Execute, and turns the Outcome into the
// next step of the workflow (committed together with the task's completion):
//   Succeeded{result}      -> event activity_succeeded {activity, idempotency_key, result}
//   RetryAfter{delay}      -> the task is tried again after max(delay, backoff); when its
//                             attempts are used up it becomes `dead` and the workflow gets
//                             activity_failed {error_class: "exhausted"}
//   Permanent{reason}      -> the task is `failed`; activity_failed {error_class, reason}
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

namespace o2c::activities {

using Json = nlohmann::json;

struct Succeeded {
  Json result = Json::object();
};
struct RetryAfter {
  std::chrono::milliseconds delay{0};  // at least this long (e.g. Retry-After); 0: policy decides
  std::string error;                   // what went wrong, for last_error and the trace
  std::string error_class;  // transient | possibly_succeeded (the classifier's kind); "": unknown
};
struct Permanent {
  std::string reason;                     // e.g. "422: unknown SKU ABC-1"
  std::string error_class = "permanent";  // permanent | conflict (e.g. WMS 409 already shipped)
};
using Outcome = std::variant<Succeeded, RetryAfter, Permanent>;

// One call of an activity, as the executor sees it.
struct ActivityCall {
  std::int64_t task_id = 0;
  std::int64_t workflow_id = 0;
  std::string activity;  // "erp.create_sales_order"
  Json input = Json::object();
  std::string idempotency_key;  // sent downstream as Idempotency-Key
  int attempt = 1;              // 1 for the first try
  std::string correlation_id;   // for traceparent
};

// Runs activities. Implementations must be safe to call from several threads at once and must
// never throw for a downstream failure: every failure is an Outcome.
class ActivityExecutor {
 public:
  virtual ~ActivityExecutor() = default;
  virtual Outcome Execute(const ActivityCall& call) = 0;
};

}  // namespace o2c::activities
