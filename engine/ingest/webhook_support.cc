#include "engine/ingest/webhook_support.h"

#include <algorithm>
#include <iostream>

#include "workflows/model/shopify_mapping.h"

namespace o2c::ingest {
namespace {

Json AcceptedBody(const char* status, std::optional<WorkflowId> workflow_id) {
  Json body = {{"status", status}, {"workflow_id", nullptr}};
  if (workflow_id) body["workflow_id"] = *workflow_id;
  return body;
}

http::HttpResponse AnswerDuplicate(const Duplicate& d) {
  Json body = AcceptedBody("duplicate", d.workflow_id);
  body["first_verdict"] = d.verdict;
  if (d.reason) body["first_reason"] = *d.reason;
  return http::JsonResponse(200, body);
}

http::HttpResponse AnswerRejection(const Rejection& r) {
  return http::ErrorResponse(r.status, r.code, r.message);
}

}  // namespace

Rejection Malformed(std::string code, std::string message) {
  return {400, "rejected", std::move(code), std::move(message)};
}
Rejection Unauthorized(std::string code, std::string message) {
  return {401, "unauthorized", std::move(code), std::move(message)};
}
Rejection UnknownTopic(std::string message) {
  return {422, "unknown_topic", "unknown_topic", std::move(message)};
}

http::HttpResponse Execute(StorePool& stores, const Clock& clock, InboxDelivery delivery,
                           Decision decision) {
  try {
    StorePool::Lease store = stores.Acquire();
    try {
      TimePoint now = clock.Now();
      if (auto* rejection = std::get_if<Rejection>(&decision)) {
        rejection->message = SafeText(rejection->message, 1000);
        delivery.verdict = rejection->verdict;
        delivery.reason = rejection->message;
        // Why no id for unauthorized deliveries: anyone can send any id, and a forged copy must
        // not make the real delivery look like a duplicate.
        if (rejection->verdict == "unauthorized") delivery.delivery_id.reset();
        InboxResult r = store->RecordDelivery(delivery, now);
        if (const auto* d = std::get_if<Duplicate>(&r)) return AnswerDuplicate(*d);
        return AnswerRejection(*rejection);
      }
      if (auto* only = std::get_if<RecordOnly>(&decision)) {
        delivery.verdict = "accepted";
        delivery.workflow_id = only->workflow_id;
        if (!only->note.empty()) delivery.reason = only->note;
        InboxResult r = store->RecordDelivery(delivery, now);
        if (const auto* d = std::get_if<Duplicate>(&r)) return AnswerDuplicate(*d);
        Json body = AcceptedBody("accepted", only->workflow_id);
        body["note"] = only->note;
        return http::JsonResponse(200, body);
      }
      IngestRequest& request = std::get<IngestRequest>(decision);
      delivery.verdict = "accepted";
      request.delivery = delivery;
      IngestResult r = store->IngestDelivery(request, now);
      if (const auto* done = std::get_if<Ingested>(&r)) {
        return http::JsonResponse(200, AcceptedBody("accepted", done->workflow_id));
      }
      if (const auto* d = std::get_if<Duplicate>(&r)) return AnswerDuplicate(*d);
      // Only signal-only requests meet an unknown workflow: nothing was written, so record the
      // delivery as rejected with the reason.
      Rejection unknown{422, "rejected", "unknown_" + request.type,
                        "no " + request.type + " workflow has business key '" +
                            request.business_key + "'; the event was not applied"};
      delivery.verdict = unknown.verdict;
      delivery.reason = unknown.message;
      InboxResult recorded = store->RecordDelivery(delivery, now);
      if (const auto* d = std::get_if<Duplicate>(&recorded)) return AnswerDuplicate(*d);
      return AnswerRejection(unknown);
    } catch (const StoreError& e) {
      if (e.transient()) store.Discard();
      throw;
    }
  } catch (const StoreError& e) {
    return Unavailable(delivery, e);
  }
}

http::HttpResponse Unavailable(const InboxDelivery& delivery, const StoreError& error) {
  std::cerr << "o2c serve: webhook " << delivery.source << " " << delivery.topic
            << " not recorded: " << error.what() << "\n";
  http::HttpResponse r = http::ErrorResponse(
      503, "unavailable",
      "the delivery could not be recorded (database unavailable) and was not acted on; "
      "send it again");
  r.headers["Retry-After"] = "5";
  return r;
}

std::variant<Json, Rejection> ParseObjectBody(std::string_view body, std::size_t max_depth) {
  if (body.empty()) return Malformed("malformed_json", "the body is empty; expected a JSON object");
  if (workflows::model::JsonNestingDepth(body) > max_depth) {
    return Malformed("json_too_deep",
                     "the body nests JSON deeper than " + std::to_string(max_depth) + " levels");
  }
  try {
    Json parsed = Json::parse(body);
    if (!parsed.is_object()) {
      return Malformed("not_an_object", std::string("the body is a JSON ") + parsed.type_name() +
                                            "; expected a JSON object");
    }
    return parsed;
  } catch (const Json::parse_error& e) {
    // nlohmann says where: "parse error at line 1, column 57: syntax error while parsing
    // object - unexpected end of input; expected '}'".
    // Cut short: the parser ran out of input (inside a string, a number or a bracket) rather
    // than meeting a wrong byte.
    const bool cut_short = e.byte >= body.size();
    std::string what = e.what();
    if (auto at = what.find("parse error"); at != std::string::npos) what = what.substr(at);
    return Malformed("malformed_json", std::string(cut_short ? "the body is truncated JSON"
                                                             : "the body is not JSON") +
                                           " (" + what + ")");
  }
}

std::string SafeText(std::string_view text, std::size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max));
  for (char c : text.substr(0, max)) out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  return out;
}

bool IsKeySafe(std::string_view text) {
  if (text.empty() || text.size() > 255) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace o2c::ingest
