#include "engine/ops/list_query.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/stuck_policy.h"
#include "workflows/registry.h"

namespace o2c::ops {
namespace {

const std::vector<std::string>& KnownStatuses() {
  static const std::vector<std::string> statuses = {"running",   "waiting",   "needs_attention",
                                                    "completed", "cancelled", "compensated",
                                                    "failed",    "closed"};
  return statuses;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

std::int64_t ParseWhole(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw std::invalid_argument(what);
  }
  return std::stoll(text);
}

}  // namespace

ListQuery ParseListQuery(const std::map<std::string, std::string>& params) {
  static const std::vector<std::string> known = {"type",       "status", "state", "stuck",
                                                 "older_than", "q",      "limit", "cursor"};
  ListQuery q;
  for (const auto& [name, value] : params) {
    if (!Contains(known, name)) {
      throw std::invalid_argument("unknown parameter '" + name + "'; use " + Joined(known));
    }
    if (value.empty()) continue;  // ?type=&state=x: an empty filter is no filter
    if (name == "type") {
      if (!Contains(workflows::WorkflowTypes(), value))
        throw std::invalid_argument("type '" + value + "' is not one of " +
                                    Joined(workflows::WorkflowTypes()));
      q.type = value;
    } else if (name == "status") {
      if (!Contains(KnownStatuses(), value))
        throw std::invalid_argument("status '" + value + "' is not one of " +
                                    Joined(KnownStatuses()));
      q.status = value;
    } else if (name == "state") {
      q.state = value;
    } else if (name == "stuck") {
      if (value != "true" && value != "false")
        throw std::invalid_argument("stuck must be true or false, not '" + value + "'");
      q.stuck = value == "true";
    } else if (name == "older_than") {
      try {
        q.older_than = ParseDuration(value);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("older_than: ") + e.what());
      }
    } else if (name == "q") {
      if (value.size() > 200) throw std::invalid_argument("q is longer than 200 characters");
      q.q = value;
    } else if (name == "limit") {
      std::int64_t n = 0;
      try {
        n = ParseWhole(value, "");
      } catch (const std::invalid_argument&) {
        n = -1;
      }
      if (n < 1 || n > kMaxListLimit)
        throw std::invalid_argument("limit must be a whole number from 1 to " +
                                    std::to_string(kMaxListLimit) + ", not '" + value + "'");
      q.limit = static_cast<int>(n);
    } else if (name == "cursor") {
      q.after = DecodeCursor(value);
    }
  }
  if (q.state) {
    // A state must exist in the lifecycle asked for (or in some lifecycle): a typo would
    // otherwise list nothing and look like good news.
    bool known_state = false;
    for (const auto& type : workflows::WorkflowTypes()) {
      if (q.type && *q.type != type) continue;
      known_state = known_state || Contains(workflows::StatesOf(type), *q.state);
    }
    if (!known_state)
      throw std::invalid_argument("state '" + *q.state + "' is not a state of " +
                                  (q.type ? "type " + *q.type : std::string("any type")));
  }
  return q;
}

std::string EncodeCursor(const ListCursor& c) {
  return std::to_string(c.updated_at_micros) + "." + std::to_string(c.id);
}

ListCursor DecodeCursor(const std::string& text) {
  const std::string bad = "cursor '" + text + "' is not one this API gave out";
  auto dot = text.find('.');
  if (dot == std::string::npos) throw std::invalid_argument(bad);
  ListCursor c;
  c.updated_at_micros = ParseWhole(text.substr(0, dot), bad);
  c.id = ParseWhole(text.substr(dot + 1), bad);
  return c;
}

}  // namespace o2c::ops
