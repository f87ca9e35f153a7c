#include "engine/stuck_policy.h"

#include <stdexcept>

#include "workflows/registry.h"

namespace o2c {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

}  // namespace

seconds ParseDuration(std::string_view text) {
  auto bad = [&] {
    return std::invalid_argument("'" + std::string(text) +
                                 "' is not a duration: use a whole number with s, m, h or d "
                                 "(e.g. 90s, 15m, 72h, 30d)");
  };
  if (text.size() < 2) throw bad();
  long long n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9' || n > 1'000'000'000) throw bad();
    n = n * 10 + (c - '0');
  }
  switch (text.back()) {
    case 's':
      return seconds(n);
    case 'm':
      return seconds(n * 60);
    case 'h':
      return seconds(n * 3600);
    case 'd':
      return seconds(n * 86400);
    default:
      throw bad();
  }
}

std::string FormatDuration(seconds d) {
  long long s = d.count();
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

StuckPolicy StuckPolicy::Defaults() {
  StuckPolicy p;
  for (const char* warehouse :
       {"awaiting_pick", "picking", "packed", "partially_shipped", "inspecting"}) {
    p.by_state_[warehouse] = hours(72);
  }
  p.by_state_["awaiting_receipt"] = hours(24 * 30);
  p.by_type_state_["order.fulfilling"] = hours(24 * 7);
  return p;  // every other non-terminal state waits on our own activities: the 15 min fallback
}

void StuckPolicy::Override(const Json& slas) {
  if (!slas.is_object())
    throw std::invalid_argument("SLAs must be a JSON object of state: duration");
  for (const auto& [key, value] : slas.items()) {
    if (!value.is_string()) {
      throw std::invalid_argument("SLA for '" + key + "' must be a string such as \"15m\"");
    }
    seconds d;
    try {
      d = ParseDuration(value.get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("SLA for '" + key + "': " + e.what());
    }
    auto dot = key.find('.');
    std::string type = dot == std::string::npos ? "" : key.substr(0, dot);
    std::string state = dot == std::string::npos ? key : key.substr(dot + 1);
    bool known = false;
    for (const std::string& t : workflows::WorkflowTypes()) {
      if (!type.empty() && t != type) continue;
      for (const std::string& s : workflows::StatesOf(t)) known = known || s == state;
    }
    if (!known) {
      throw std::invalid_argument("SLA key '" + key + "' names no state" +
                                  (type.empty() ? "" : " of type " + type));
    }
    (type.empty() ? by_state_ : by_type_state_)[key] = d;
  }
}

seconds StuckPolicy::SlaFor(std::string_view type, std::string_view state) const {
  std::string typed = std::string(type) + "." + std::string(state);
  if (auto it = by_type_state_.find(typed); it != by_type_state_.end()) return it->second;
  if (auto it = by_state_.find(state); it != by_state_.end()) return it->second;
  return fallback_;
}

std::optional<std::string> StuckPolicy::StuckReason(const WorkflowRecord& w, TimePoint now) const {
  if (w.status == "needs_attention") {
    return "needs attention: " + w.attention_reason.value_or("no reason recorded");
  }
  if (workflows::IsTerminalState(w.type, w.state)) return std::nullopt;
  seconds idle = std::chrono::duration_cast<seconds>(now - w.updated_at);
  seconds sla = SlaFor(w.type, w.state);
  if (idle <= sla) return std::nullopt;
  return "no transition for " + FormatDuration(std::chrono::duration_cast<minutes>(idle)) + " in " +
         w.state + " (SLA " + FormatDuration(sla) + ")";
}

}  // namespace o2c
