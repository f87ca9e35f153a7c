#include "workflows/common/translate.h"

#include "workflows/common/step.h"

namespace o2c::workflows {

std::string ActivityOf(const Json& payload) { return StringOr(payload, "activity", ""); }
std::string ErrorClassOf(const Json& payload) { return StringOr(payload, "error_class", ""); }
std::string ReasonOf(const Json& payload) { return StringOr(payload, "reason", ""); }
std::string IdempotencyKeyOf(const Json& payload) {
  return StringOr(payload, "idempotency_key", "");
}

const Json& ResultOf(const Json& payload) {
  static const Json kEmpty = Json::object();
  if (!payload.is_object()) return kEmpty;
  auto it = payload.find("result");
  return it != payload.end() && it->is_object() ? *it : kEmpty;
}

bool IsCompensation(const Json& payload, std::initializer_list<const char*> compensations) {
  if (payload.is_object()) {
    auto it = payload.find("compensation");
    if (it != payload.end() && it->is_boolean() && it->get<bool>()) return true;
  }
  const std::string activity = ActivityOf(payload);
  for (const char* c : compensations) {
    if (activity == c) return true;
  }
  return false;
}

std::string TimerEventName(const Json& payload) {
  const std::string name = StringOr(payload, "name", "");
  return name.empty() ? std::string() : name + "_fired";
}

}  // namespace o2c::workflows
