// One adapter per downstream (ERP, routing, WMS, Shopify Admin): each maps an activity's input to
// the downstream's calls (INTERFACES.md "Downstream contracts") and the answer to the result the
// workflows read. Adapters know the protocol only; HttpExecutor (http_executor.h) owns the
// transport, the headers (Idempotency-Key, traceparent, Authorization) and the classification.
//
// A handler:
//   - reads its input with the Require* helpers, which throw InputError naming the missing field
//     (HttpExecutor turns that into Permanent{"... missing input field <name>"}: a workflow bug no
//     retry can fix, and no call is made);
//   - calls the downstream through the DownstreamChannel it is given (one or more calls);
//   - returns Answer(...): the classified failure as an Outcome, or Succeeded{answer} once the
//     answer has the fields the workflow reads.
// Every create call carries "reference" = the business identity of the document (the simulator's
// duplicate detector and a real ERP's duplicate check key on it), derived from the input only, so
// a retry sends the same body as the first try.
//
// Handlers are stateless and safe to call from any number of threads.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "activities/activity.h"
#include "activities/policy/error_classifier.h"

namespace o2c::activities::adapters {

// What one downstream call came to.
struct Reply {
  policy::Classification classification;  // kind, Retry-After, a reason naming status and message
  Json body;                              // the answer parsed as JSON; null when absent or not JSON
  bool ok() const { return classification.kind == policy::CallKind::kSuccess; }
};

// One downstream as a handler calls it. POSTs carry the activity call's Idempotency-Key.
class DownstreamChannel {
 public:
  virtual ~DownstreamChannel() = default;
  // `path` is already encoded (see PathSegment); `body` is sent as JSON.
  virtual Reply Post(const std::string& path, const Json& body) = 0;
  virtual Reply Get(const std::string& target) = 0;
};

// An activity input the handler cannot call with; `field` names what is missing or ill-typed.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& field, const std::string& problem = "missing")
      : std::runtime_error(problem + " input field " + field), field_(field) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

using Handler = std::function<Outcome(const ActivityCall&, DownstreamChannel&)>;

struct Adapter {
  std::string downstream;    // "erp": the activity prefix and the DownstreamConfig key
  std::string display_name;  // "ERP": how reasons name it
  std::map<std::string, Handler> handlers;  // by full activity name ("erp.create_rma")
};

Adapter MakeErpAdapter();
Adapter MakeRoutingAdapter();
Adapter MakeWmsAdapter();
Adapter MakeShopifyAdapter();

// --- helpers for handlers (adapter_support.cc) ---

// input[field] as text: a non-empty string, or an integer in decimal. Throws InputError.
std::string RequireText(const Json& input, const char* field);
// input[field] when it is an array. Throws InputError.
const Json& RequireArray(const Json& input, const char* field);

// "/" + `raw` percent-encoded (everything but unreserved characters), so an id can never change
// the path it is put in.
std::string PathSegment(std::string_view raw);

// The business key an activity's idempotency key was derived from: "erp.create_sales_order:
// shop/1" -> "shop/1" (LIFECYCLES.md: keys are "<activity>:<business key>[:<step>]"). Falls back
// to the whole key when it does not start with "<activity>:".
std::string BusinessKeyOfCall(const ActivityCall& call);

// `body` (an object) with "reference" set.
Json WithReference(Json body, const std::string& reference);

struct AnswerField {
  const char* name;
  Json::value_t type;  // string, object or array
};
// The Outcome for `reply`: its failure (policy::ToOutcome) when it is not a success; Permanent when
// a success is not a JSON object or lacks a field the workflow reads (a retry would get the same
// answer back from the idempotency record); else Succeeded{body}.
Outcome Answer(const Reply& reply, std::initializer_list<AnswerField> required = {});

}  // namespace o2c::activities::adapters
