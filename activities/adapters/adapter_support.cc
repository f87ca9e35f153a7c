#include "activities/adapters/adapter.h"

namespace o2c::activities::adapters {

namespace {

const char* TypeName(Json::value_t type) {
  switch (type) {
    case Json::value_t::string:
      return "a string";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    default:
      return "a value";
  }
}

}  // namespace

std::string RequireText(const Json& input, const char* field) {
  if (!input.is_object() || !input.contains(field) || input[field].is_null())
    throw InputError(field);
  const Json& value = input[field];
  if (value.is_string() && !value.get_ref<const std::string&>().empty())
    return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  throw InputError(field, "empty or ill-typed");
}

const Json& RequireArray(const Json& input, const char* field) {
  if (!input.is_object() || !input.contains(field) || input[field].is_null())
    throw InputError(field);
  if (!input[field].is_array()) throw InputError(field, "non-array");
  return input[field];
}

std::string PathSegment(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "/";
  for (unsigned char c : raw) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string BusinessKeyOfCall(const ActivityCall& call) {
  const std::string prefix = call.activity + ":";
  if (call.idempotency_key.size() > prefix.size() && call.idempotency_key.rfind(prefix, 0) == 0)
    return call.idempotency_key.substr(prefix.size());
  return call.idempotency_key;
}

Json WithReference(Json body, const std::string& reference) {
  if (!body.is_object()) body = Json::object();
  body["reference"] = reference;
  return body;
}

Outcome Answer(const Reply& reply, std::initializer_list<AnswerField> required) {
  if (!reply.ok()) return policy::ToOutcome(reply.classification);
  if (!reply.body.is_object())
    return Permanent{reply.classification.reason + ", but the answer is not a JSON object"};
  for (const AnswerField& field : required) {
    auto it = reply.body.find(field.name);
    if (it != reply.body.end() && it->type() == field.type) continue;
    // Why cut the body: the reason lands in last_error and the trace, not a log of payloads.
    std::string body = reply.body.dump();
    if (body.size() > 200) body = body.substr(0, 200) + "...";
    return Permanent{reply.classification.reason + ", but the answer has no " + field.name + " (" +
                     TypeName(field.type) + "): " + body};
  }
  return Succeeded{reply.body};
}

}  // namespace o2c::activities::adapters
