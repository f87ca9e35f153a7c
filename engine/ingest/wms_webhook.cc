#include "engine/ingest/wms_webhook.h"

#include <array>

#include "engine/http/hmac.h"

namespace o2c::ingest {
namespace {

constexpr const char* kSignatureHeader = "X-WMS-Signature";
constexpr const char* kEventIdHeader = "X-WMS-Event-Id";
constexpr const char* kTopicHeader = "X-WMS-Topic";

// topic -> (workflow type, key field, event; "" = record only)
struct WmsTopic {
  const char* topic;
  const char* type;
  const char* key_field;
  const char* event;
};
constexpr std::array<WmsTopic, 6> kTopics = {{
    {"fulfillment.picked", "shipment", "shipment_key", "picked"},
    {"fulfillment.packed", "shipment", "shipment_key", "packed"},
    {"fulfillment.shipped", "shipment", "shipment_key", "shipped"},
    {"fulfillment.delivered", "shipment", "shipment_key", ""},
    {"return.received", "return", "return_key", "received"},
    {"return.inspected", "return", "return_key", "inspected"},
}};

const WmsTopic* FindTopic(const std::string& topic) {
  for (const WmsTopic& t : kTopics) {
    if (topic == t.topic) return &t;
  }
  return nullptr;
}

// Reads the fields a topic requires, naming the first one missing or of the wrong type.
class Fields {
 public:
  Fields(const Json& body, const std::string& topic) : body_(body), topic_(topic) {}

  // A non-empty string, or an id (string or positive integer) when `id` is set.
  bool Text(const char* field, Json& out, bool id = false) {
    auto it = body_.find(field);
    bool ok =
        it != body_.end() && ((it->is_string() && !it->get_ref<const std::string&>().empty() &&
                               it->get_ref<const std::string&>().size() <= 500) ||
                              (id && it->is_number_integer() && it->get<std::int64_t>() > 0));
    if (ok) out[field] = *it;
    return Note(ok, field, id ? "a non-empty string or a positive integer" : "a non-empty string");
  }
  bool Lines(Json& out, bool non_empty) {
    auto it = body_.find("lines");
    bool ok = it != body_.end() && it->is_array() && (!non_empty || !it->empty());
    if (ok) out["lines"] = *it;
    return Note(ok, "lines", non_empty ? "a non-empty array" : "an array");
  }
  const std::optional<Rejection>& error() const { return error_; }

 private:
  bool Note(bool ok, const char* field, const std::string& expected) {
    if (!ok && !error_) {
      error_ = Malformed("invalid_payload", std::string(field) + ": must be " + expected +
                                                " in a " + topic_ + " event");
    }
    return ok;
  }
  const Json& body_;
  const std::string& topic_;
  std::optional<Rejection> error_;
};

}  // namespace

WmsWebhookHandler::WmsWebhookHandler(StorePool& stores, const Clock& clock,
                                     std::vector<std::string> secrets, std::size_t max_json_depth)
    : stores_(stores),
      clock_(clock),
      secrets_(std::move(secrets)),
      max_json_depth_(max_json_depth) {}

http::HttpResponse WmsWebhookHandler::Handle(const http::HttpRequest& request) {
  InboxDelivery delivery;
  delivery.source = "wms";
  if (std::string id = SafeText(request.Header(kEventIdHeader)); !id.empty())
    delivery.delivery_id = id;
  delivery.topic = SafeText(request.Header(kTopicHeader));
  delivery.body = request.body;
  return Execute(stores_, clock_, std::move(delivery), Decide(request));
}

Decision WmsWebhookHandler::Decide(const http::HttpRequest& request) const {
  const std::string signature = request.Header(kSignatureHeader);
  if (signature.empty()) {
    return Unauthorized("missing_signature",
                        "the X-WMS-Signature header is missing; the WMS signs every event with "
                        "the shared secret (base64 HMAC-SHA256 of the body)");
  }
  if (secrets_.empty()) {
    return Unauthorized("invalid_signature",
                        "this server has no WMS webhook secret configured (O2C_WMS_SECRET), so "
                        "it cannot verify X-WMS-Signature");
  }
  if (!http::VerifyHmacSha256Base64(secrets_, request.body, signature)) {
    return Unauthorized("invalid_signature",
                        "X-WMS-Signature does not match the body under any configured key; check "
                        "the shared secret (O2C_WMS_SECRET) and that the body is sent unmodified");
  }
  const std::string event_id = SafeText(request.Header(kEventIdHeader));
  const std::string topic = SafeText(request.Header(kTopicHeader));
  if (event_id.empty()) {
    return Malformed("missing_header", std::string("the ") + kEventIdHeader +
                                           " header is missing; it identifies the event so "
                                           "that a retry is recognised");
  }
  if (topic.empty()) {
    return Malformed("missing_header", std::string("the ") + kTopicHeader +
                                           " header is missing; it says what the "
                                           "body is");
  }
  const WmsTopic* known = FindTopic(topic);
  if (!known) {
    return UnknownTopic("topic '" + topic +
                        "' is not one o2c consumes (fulfillment.picked, fulfillment.packed, "
                        "fulfillment.shipped, fulfillment.delivered, return.received, "
                        "return.inspected); the event is kept in the inbox and not acted on");
  }
  std::variant<Json, Rejection> parsed = ParseObjectBody(request.body, max_json_depth_);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) return *rejection;
  const Json& body = std::get<Json>(parsed);
  // The body repeats the headers; a body that disagrees was not meant for this delivery.
  if (auto it = body.find("topic"); it != body.end() && *it != topic) {
    return Malformed("invalid_payload", "topic: the body says " + SafeText(it->dump(), 64) +
                                            " but X-WMS-Topic says '" + topic + "'");
  }
  if (auto it = body.find("id"); it != body.end() && *it != event_id) {
    return Malformed("invalid_payload", "id: the body says " + SafeText(it->dump(), 64) +
                                            " but X-WMS-Event-Id says '" + event_id + "'");
  }

  Json payload = {{"wms_event_id", event_id}};
  if (auto it = body.find("occurred_at"); it != body.end() && it->is_string())
    payload["occurred_at"] = *it;
  Json key;
  Fields fields(body, topic);
  fields.Text(known->key_field, key);
  if (std::string_view(known->type) == "shipment") {
    fields.Text("fulfillment_id", payload, /*id=*/true);
    if (topic == "fulfillment.shipped") {
      fields.Lines(payload, /*non_empty=*/true);
      fields.Text("carrier", payload);
      fields.Text("tracking_number", payload);
      if (auto it = body.find("final"); it != body.end() && it->is_boolean())
        payload["final"] = *it;
    }
  } else {
    fields.Text("expected_return_id", payload, /*id=*/true);
    fields.Lines(payload, /*non_empty=*/false);
    if (topic == "return.inspected") fields.Text("disposition", payload);
  }
  if (fields.error()) return *fields.error();

  IngestRequest r;
  r.type = known->type;
  r.business_key = key[known->key_field].get<std::string>();
  r.create_if_missing = false;  // the WMS reports on shipments and returns we asked it for
  r.event = known->event;
  r.payload = std::move(payload);
  r.source = "webhook:wms";
  return r;
}

}  // namespace o2c::ingest
