// What the simulated WMS reports about its documents: the webhook events of a fulfillment and of
// an expected return, and the gate that keeps them consistent with cancellations.
#include <array>
#include <cstdio>

#include "activities/sim/sim_service.h"

namespace o2c::sim {

using Json = nlohmann::json;

namespace {

// "WF-12" -> 12; 0 when the id has no numeric serial.
int SerialOf(const std::string& id) {
  const size_t dash = id.rfind('-');
  if (dash == std::string::npos || dash + 1 >= id.size()) return 0;
  const std::string digits = id.substr(dash + 1);
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoi(digits);
}

Json FieldOr(const Json& body, const char* field) {
  return body.is_object() && body.contains(field) ? body[field] : Json();
}

Json LinesOf(const Json& body) {
  Json lines = FieldOr(body, "lines");
  return lines.is_array() ? lines : Json::array();
}

std::string Disposition(const Json& body, const std::string& expected_return_id) {
  static constexpr std::array<const char*, 4> kCycle = {"restock", "refurbish", "scrap", "reject"};
  if (Json d = FieldOr(body, "disposition"); d.is_string()) return d.get<std::string>();
  Json lines = LinesOf(body);
  if (!lines.empty()) {
    if (Json d = FieldOr(lines[0], "disposition"); d.is_string()) return d.get<std::string>();
  }
  const int serial = SerialOf(expected_return_id);
  return kCycle[static_cast<size_t>(serial > 0 ? serial - 1 : 0) % kCycle.size()];
}

}  // namespace

void SimService::ScheduleFulfillmentEvents(const Document& fulfillment) {
  if (!webhooks_) return;
  const std::string& id = fulfillment.id;
  const Json base = {{"fulfillment_id", id},
                     {"shipment_key", FieldOr(fulfillment.body, "shipment_key")}};
  char tracking[32];
  std::snprintf(tracking, sizeof tracking, "1ZSIM%08d", SerialOf(id));
  Json shipped = base;
  shipped["lines"] = LinesOf(fulfillment.body);
  shipped["carrier"] = "UPS";
  shipped["tracking_number"] = tracking;
  const auto delay = options_.webhooks.step_delay;
  std::vector<WebhookEvent> events;
  for (const char* step : {"picked", "packed", "shipped", "delivered"}) {
    events.push_back({std::string("fulfillment.") + step, "wms_" + run_id_ + "_" + id + "_" + step,
                      std::string(step) == "shipped" ? shipped : base, delay});
  }
  webhooks_->Enqueue(id, std::move(events));
}

void SimService::ScheduleReturnEvents(const Document& expected_return) {
  if (!webhooks_) return;
  const std::string& id = expected_return.id;
  const Json base = {{"expected_return_id", id},
                     {"return_key", FieldOr(expected_return.body, "return_key")},
                     {"lines", LinesOf(expected_return.body)}};
  Json inspected = base;
  inspected["disposition"] = Disposition(expected_return.body, id);
  const auto delay = options_.webhooks.step_delay;
  webhooks_->Enqueue(
      id, {{"return.received", "wms_" + run_id_ + "_" + id + "_received", base, delay},
           {"return.inspected", "wms_" + run_id_ + "_" + id + "_inspected", inspected, delay}});
}

bool SimService::AdmitWmsEvent(const std::string& document_id, const WebhookEvent& event) {
  std::lock_guard lock(mu_);
  auto it = documents_.find(document_id);
  if (it == documents_.end()) return false;
  Document& doc = it->second;
  if (doc.status == "cancelled") return false;
  // Why here, under the lock: the cancel endpoint reads the status under the same lock, so a
  // cancel either lands before `shipped` goes out (and nothing more is sent) or after it (409).
  if (event.topic == "fulfillment.shipped") doc.status = "shipped";
  return true;
}

}  // namespace o2c::sim
