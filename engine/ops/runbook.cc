#include "engine/ops/runbook.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "engine/ops/operator_actions.h"
#include "engine/stuck_policy.h"
#include "workflows/registry.h"

namespace o2c::ops {
namespace {

bool ValidRunbookName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Collects problems instead of stopping at the first: the author fixes the file in one go.
class Checker {
 public:
  void Problem(std::string p) { problems_.push_back(std::move(p)); }
  const std::vector<std::string>& problems() const { return problems_; }

  std::optional<std::string> String(const Json& parent, const char* key, const std::string& where,
                                    bool required) {
    if (!parent.contains(key) || parent[key].is_null()) {
      if (required) Problem(where + " is required");
      return std::nullopt;
    }
    if (!parent[key].is_string() || parent[key].get<std::string>().empty()) {
      Problem(where + " must be a non-empty string");
      return std::nullopt;
    }
    return parent[key].get<std::string>();
  }

 private:
  std::vector<std::string> problems_;
};

}  // namespace

Runbook ParseRunbook(const Json& json, const std::string& file_name) {
  if (!json.is_object()) throw std::invalid_argument("a runbook must be a JSON object");
  Checker check;
  Runbook rb;
  static const std::vector<std::string> known = {"name", "description", "selector", "action",
                                                 "batch_limit"};
  for (const auto& [key, value] : json.items()) {
    if (!Contains(known, key)) check.Problem("unknown field '" + key + "'");
  }
  rb.name = check.String(json, "name", "name", true).value_or("");
  if (!rb.name.empty() && !ValidRunbookName(rb.name))
    check.Problem("name must be lowercase letters, digits and dashes");
  if (!rb.name.empty() && !file_name.empty() && rb.name != file_name)
    check.Problem("name '" + rb.name + "' differs from the file name '" + file_name + ".json'");
  rb.description = check.String(json, "description", "description", true).value_or("");
  if (!rb.description.empty() && rb.description.size() < 40)
    check.Problem(
        "description is the procedure a person reads first: say when to run it, what "
        "to check before, and what to do after (40 characters at least)");
  rb.action = check.String(json, "action", "action", true).value_or("");
  if (!rb.action.empty() && !Contains(ActionNames(), rb.action))
    check.Problem("action '" + rb.action + "' is not an operator action");
  if (rb.action == "skip" || rb.action == "replay")
    check.Problem("action '" + rb.action + "' needs per-workflow input and cannot be batched");
  if (json.contains("batch_limit")) {
    const Json& b = json["batch_limit"];
    if (!b.is_number_integer() || b.get<int>() < 1 || b.get<int>() > kMaxBatchLimit)
      check.Problem("batch_limit must be a whole number from 1 to " +
                    std::to_string(kMaxBatchLimit));
    else
      rb.batch_limit = b.get<int>();
  } else {
    check.Problem("batch_limit is required (how many workflows one run may touch)");
  }

  if (!json.contains("selector") || !json["selector"].is_object()) {
    check.Problem("selector must be an object");
  } else {
    const Json& sel = json["selector"];
    static const std::vector<std::string> fields = {
        "type",        "state",          "status",      "attention_reason", "activity",
        "task_status", "error_contains", "error_class", "min_age"};
    for (const auto& [key, value] : sel.items()) {
      if (!Contains(fields, key)) check.Problem("selector has unknown field '" + key + "'");
    }
    RunbookSelector& s = rb.selector;
    s.type = check.String(sel, "type", "selector.type", false);
    if (s.type && !Contains(workflows::WorkflowTypes(), *s.type))
      check.Problem("selector.type '" + *s.type + "' is not a workflow type");
    if (sel.contains("state")) {
      const Json& st = sel["state"];
      if (st.is_string()) {
        s.states.push_back(st.get<std::string>());
      } else if (st.is_array() && !st.empty() &&
                 std::all_of(st.begin(), st.end(), [](const Json& x) { return x.is_string(); })) {
        for (const auto& x : st) s.states.push_back(x.get<std::string>());
      } else {
        check.Problem("selector.state must be a state name or a non-empty list of them");
      }
      for (const auto& state : s.states) {
        bool known_state = false;
        for (const auto& type : workflows::WorkflowTypes()) {
          if (s.type && *s.type != type) continue;
          known_state = known_state || Contains(workflows::StatesOf(type), state);
        }
        if (!known_state) check.Problem("selector.state '" + state + "' is not a known state");
      }
    }
    s.status = check.String(sel, "status", "selector.status", false);
    s.attention_reason = check.String(sel, "attention_reason", "selector.attention_reason", false);
    s.activity = check.String(sel, "activity", "selector.activity", false);
    s.task_status = check.String(sel, "task_status", "selector.task_status", false);
    static const std::vector<std::string> task_statuses = {"pending", "leased", "succeeded",
                                                           "failed", "dead"};
    if (s.task_status && !Contains(task_statuses, *s.task_status))
      check.Problem("selector.task_status must be one of pending, leased, succeeded, failed, dead");
    s.error_contains = check.String(sel, "error_contains", "selector.error_contains", false);
    s.error_class = check.String(sel, "error_class", "selector.error_class", false);
    if (auto age = check.String(sel, "min_age", "selector.min_age", false)) {
      try {
        s.min_age = ParseDuration(*age);
      } catch (const std::invalid_argument& e) {
        check.Problem(std::string("selector.min_age: ") + e.what());
      }
    }
    if (!s.type && s.states.empty() && !s.status && !s.attention_reason && !s.activity &&
        !s.task_status)
      check.Problem(
          "selector must narrow by at least one of type, state, status, "
          "attention_reason, activity, task_status");
  }
  if (!check.problems().empty()) {
    std::string all;
    for (const auto& p : check.problems()) all += (all.empty() ? "" : "\n") + p;
    throw std::invalid_argument(all);
  }
  return rb;
}

std::vector<Runbook> LoadRunbooks(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<Runbook> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::invalid_argument("no runbook directory " + dir);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    Json json = Json::parse(in, nullptr, false);
    if (json.is_discarded()) throw std::invalid_argument(file.string() + " is not valid JSON");
    try {
      out.push_back(ParseRunbook(json, file.stem().string()));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file.string() + ":\n" + e.what());
    }
  }
  return out;
}

std::optional<Runbook> FindRunbook(const std::string& dir, const std::string& name) {
  // Why the check: the name comes from a URL; it must never walk out of the directory.
  if (!ValidRunbookName(name)) return std::nullopt;
  const std::string path = dir + "/" + name + ".json";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Json json = Json::parse(in, nullptr, false);
  if (json.is_discarded()) throw std::invalid_argument(path + " is not valid JSON");
  try {
    return ParseRunbook(json, name);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ":\n" + e.what());
  }
}

Json RunbookJson(const Runbook& rb) {
  const RunbookSelector& s = rb.selector;
  Json sel = Json::object();
  if (s.type) sel["type"] = *s.type;
  if (!s.states.empty()) sel["state"] = s.states;
  if (s.status) sel["status"] = *s.status;
  if (s.attention_reason) sel["attention_reason"] = *s.attention_reason;
  if (s.activity) sel["activity"] = *s.activity;
  if (s.task_status) sel["task_status"] = *s.task_status;
  if (s.error_contains) sel["error_contains"] = *s.error_contains;
  if (s.error_class) sel["error_class"] = *s.error_class;
  if (s.min_age) sel["min_age"] = FormatDuration(*s.min_age);
  return {{"name", rb.name},
          {"description", rb.description},
          {"selector", sel},
          {"action", rb.action},
          {"batch_limit", rb.batch_limit}};
}

Runbook AdHocRunbook(const std::string& action, const Json& selector, int limit) {
  if (!selector.is_object())
    throw std::invalid_argument(
        "the selector must be a JSON object, e.g. {\"activity\": \"erp.*\", \"task_status\": "
        "\"dead\"}");
  const std::string name = "batch-" + action;
  return ParseRunbook({{"name", name},
                       {"description",
                        "An ad-hoc batch typed by an operator; its run row in operator_actions "
                        "records the selector, the operator and the reason."},
                       {"selector", selector},
                       {"action", action},
                       {"batch_limit", limit}},
                      name);
}

}  // namespace o2c::ops
