// What the Shopify and WMS webhook handlers share: the decision a handler makes about one
// delivery (reject it, or ingest it, or only record it), and how that decision is written to the
// inbox and answered, exactly as INTERFACES.md "HTTP" says:
//   200 {"status": "accepted" | "duplicate", "workflow_id": N}
//   400 malformed, 401 bad or missing signature, 422 unknown topic or workflow, each with
//       {"error": code, "message": what a person can act on}, and the delivery kept in the inbox
//       with that message as its reason (401: verdict unauthorized, no delivery id, so a forged id
//       cannot block the real delivery)
//   503 {"error": "unavailable"} when the database cannot record it: nothing was recorded, and
//       the sender retries.
// A repeat of a delivery id seen before is a duplicate whatever the first copy's verdict: it is
// answered 200 with that verdict, because retrying it cannot change the outcome.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "engine/http/http_message.h"
#include "engine/ingest/store_pool.h"
#include "engine/workflow_store.h"

namespace o2c::ingest {

// A delivery refused before it reaches a workflow.
struct Rejection {
  int status = 400;     // 400 | 401 | 422
  std::string verdict;  // rejected | unauthorized | unknown_topic (the inbox verdict)
  std::string code;     // the answer's "error"
  std::string message;  // the answer's "message" and the inbox reason
};
Rejection Malformed(std::string code, std::string message);     // 400, rejected
Rejection Unauthorized(std::string code, std::string message);  // 401, unauthorized
Rejection UnknownTopic(std::string message);                    // 422, unknown_topic

// Accepted and recorded against `workflow_id` without an event (informational deliveries).
struct RecordOnly {
  std::optional<WorkflowId> workflow_id;
  std::string note;  // kept as the inbox reason and answered as "note"
};

// What a handler decided. IngestRequest: start or signal a workflow (the request's delivery is
// set by Execute).
using Decision = std::variant<Rejection, IngestRequest, RecordOnly>;

// Writes the decision (inbox row, workflow, event: one commit) and answers it. `delivery` is the
// delivery as received (source, id, topic, shop, body); for an unauthorized rejection its id is
// dropped. Store errors become 503; a broken connection is discarded from the pool.
http::HttpResponse Execute(StorePool& stores, const Clock& clock, InboxDelivery delivery,
                           Decision decision);

// The 503 answer when the database failed before anything was recorded (logged to stderr).
http::HttpResponse Unavailable(const InboxDelivery& delivery, const StoreError& error);

// The body as JSON: refused as json_too_deep beyond `max_depth` (checked before parsing, so a
// hostile body cannot exhaust the stack), malformed_json when it does not parse (the message says
// where and whether it was cut short), not_an_object unless it is a JSON object.
std::variant<Json, Rejection> ParseObjectBody(std::string_view body, std::size_t max_depth);

// Shopify shop domains and ids go into business keys: letters, digits, '.', '-', '_' only.
bool IsKeySafe(std::string_view text);

// `text` as printable ASCII of at most `max` bytes (anything else becomes '?'): for header values
// and messages that are stored as text and echoed in JSON answers, which a byte that is not
// UTF-8 (or a NUL) would otherwise make fail.
std::string SafeText(std::string_view text, std::size_t max = 200);

}  // namespace o2c::ingest
