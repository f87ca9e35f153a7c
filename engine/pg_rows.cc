#include "engine/pg_rows.h"

#include "engine/time_text.h"

namespace o2c {
namespace {

template <typename T>
std::optional<T> Nullable(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

}  // namespace

const char* const kTaskAttemptColumns =
    "a.task_id, a.round, a.attempt, a.worker, (extract(epoch from a.started_at) * "
    "1000000)::bigint, "
    "(extract(epoch from a.finished_at) * 1000000)::bigint, a.outcome, a.error, a.error_class";

WorkflowRecord ReadWorkflowRow(const pqxx::row& r) {
  WorkflowRecord w;
  w.id = r[0].as<WorkflowId>();
  w.type = r[1].as<std::string>();
  w.business_key = r[2].as<std::string>();
  w.parent_id = Nullable<WorkflowId>(r[3]);
  w.state = r[4].as<std::string>();
  w.status = r[5].as<std::string>();
  w.context = Json::parse(r[6].c_str());
  w.version = r[7].as<std::int64_t>();
  w.attention_reason = Nullable<std::string>(r[8]);
  w.correlation_id = r[9].as<std::string>();
  w.created_at = FromMicros(r[10].as<std::int64_t>());
  w.updated_at = FromMicros(r[11].as<std::int64_t>());
  return w;
}

TaskRecord ReadTaskRow(const pqxx::row& r) {
  TaskRecord t;
  t.id = r[0].as<TaskId>();
  t.workflow_id = r[1].as<WorkflowId>();
  t.activity = r[2].as<std::string>();
  t.input = Json::parse(r[3].c_str());
  t.idempotency_key = r[4].as<std::string>();
  t.status = r[5].as<std::string>();
  t.attempt = r[6].as<int>();
  t.max_attempts = r[7].as<int>();
  t.next_attempt_at = FromMicros(r[8].as<std::int64_t>());
  t.lease_owner = Nullable<std::string>(r[9]);
  if (!r[10].is_null()) t.lease_expires_at = FromMicros(r[10].as<std::int64_t>());
  t.last_error = Nullable<std::string>(r[11]);
  if (!r[12].is_null()) t.result = Json::parse(r[12].c_str());
  t.compensates = Nullable<TaskId>(r[13]);
  return t;
}

TaskAttemptRecord ReadTaskAttemptRow(const pqxx::row& r) {
  TaskAttemptRecord a;
  a.task_id = r[0].as<TaskId>();
  a.round = r[1].as<int>();
  a.attempt = r[2].as<int>();
  a.worker = r[3].as<std::string>();
  a.started_at = FromMicros(r[4].as<std::int64_t>());
  a.finished_at = FromMicros(r[5].as<std::int64_t>());
  a.outcome = r[6].as<std::string>();
  a.error = Nullable<std::string>(r[7]);
  a.error_class = Nullable<std::string>(r[8]);
  return a;
}

std::vector<std::int64_t> ReadBigintArray(const pqxx::field& f) {
  std::vector<std::int64_t> out;
  if (f.is_null()) return out;
  const std::string text = f.as<std::string>();  // "{1,2,3}": digits and commas only
  std::int64_t value = 0;
  bool in_number = false;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      value = value * 10 + (ch - '0');
      in_number = true;
    } else if (in_number) {
      out.push_back(value);
      value = 0;
      in_number = false;
    }
  }
  return out;
}

}  // namespace o2c
