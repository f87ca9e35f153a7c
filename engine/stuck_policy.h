// When is a workflow stuck (LIFECYCLES.md "Statuses")? When it needs attention, or when it has
// made no transition for longer than its state's SLA. SLAs are per state, with defaults from
// LIFECYCLES.md, overridable by configuration ("<type>.<state>" or "<state>" -> duration).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/workflow_store.h"

namespace o2c {

// "90s", "15m", "72h", "30d" -> seconds. Throws std::invalid_argument with a sentence naming
// the text and the accepted units.
std::chrono::seconds ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::seconds d);  // the largest unit that divides it: "72h"

class StuckPolicy {
 public:
  // LIFECYCLES.md defaults: 15 min in states that wait on our own activities, 72 h for the
  // warehouse (awaiting_pick .. partially_shipped, inspecting), 30 d for awaiting_receipt,
  // 7 d for an order waiting on its shipments (fulfilling).
  static StuckPolicy Defaults();

  // Applies {"shipment.awaiting_pick": "48h", "validating": "5m", ...}. A key names a state of
  // any type ("validating") or of one type ("order.validating"); the latter wins. Throws
  // std::invalid_argument naming the entry when a key or duration is not valid.
  void Override(const Json& slas);

  std::chrono::seconds SlaFor(std::string_view type, std::string_view state) const;

  // Why `w` is stuck at `now`, in words for the operator; nullopt when it is not.
  std::optional<std::string> StuckReason(const WorkflowRecord& w, TimePoint now) const;

 private:
  std::map<std::string, std::chrono::seconds, std::less<>> by_state_;       // "awaiting_pick"
  std::map<std::string, std::chrono::seconds, std::less<>> by_type_state_;  // "order.fulfilling"
  std::chrono::seconds fallback_{15 * 60};
};

}  // namespace o2c
