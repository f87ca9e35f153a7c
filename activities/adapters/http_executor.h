// The production ActivityExecutor: runs each activity as calls on its downstream over HTTP
// (INTERFACES.md "Downstream contracts"), through the adapter named by the activity's prefix
// ("erp.create_sales_order" -> the ERP adapter, adapter.h).
//
// Every call carries:
//   Idempotency-Key: call.idempotency_key            (every POST; the downstream's dedup key)
//   traceparent: TraceParent(correlation id, else the workflow id, key + "#" + attempt)
//   Authorization: Bearer <token>                    (when the downstream has one configured)
// and is bounded by its downstream's timeout.
//
// Outcomes (error_classifier.h decides what an answer means):
//   2xx with the fields the workflow reads   -> Succeeded{the answer}
//   transient (408, 429, 502-504, refused, DNS)
//   and possibly-succeeded (500, read timeout
//   or reset after sending)                  -> RetryAfter{Retry-After if any, else 0; reason}
//   other 4xx                                -> Permanent{"<status> from <DS> <METHOD> <path>:
//                                               <phrase>: <downstream's message>"}
//   409                                      -> Permanent{..., error_class "conflict"}
//   2xx without a field the workflow reads   -> Permanent (naming the field)
//   input lacking a field the call needs     -> Permanent{"<activity>: missing input field
//                                               <name>"}, nothing sent
//   unknown activity                         -> Permanent{"no adapter for <activity>"}
// Execute never throws.
//
// LookUpDocument (document_lookup.h) asks the activity's downstream
// `GET /<downstream>/idempotency/<percent-encoded key>` through the same client, base URL, token
// and timeout as its calls:
//   200, a record whose status is 2xx           -> kPresent, answer = the record
//   200, a record of another status             -> kAbsent, answer = the record, detail = what a
//                                                  repeat gets back
//   404 {"error": "no call with idempotency
//   key <key>"}                                 -> kAbsent
//   not configured, another 404, any other
//   status, a 200 that is not a record, or no
//   answer (refused, timeout, reset)            -> kUnknown, detail = a sentence saying why
// It creates nothing and never throws.
//
// Thread-safe: Execute and LookUpDocument may run on any number of threads at once (one HttpClient
// per downstream, each with its own keep-alive pool; the adapters are stateless).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "activities/activity.h"
#include "activities/adapters/adapter.h"
#include "activities/adapters/downstream_config.h"
#include "activities/document_lookup.h"

namespace o2c::http {
class HttpClient;
}

namespace o2c::activities {

class HttpExecutor final : public ActivityExecutor, public DocumentLookup {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // Throws std::invalid_argument when an endpoint of `config` is unusable (DownstreamConfig::
  // Validate, or a CA file the HTTP client cannot load, naming the downstream); a downstream
  // missing from `config` makes its activities Permanent "no endpoint". An endpoint's `ca_file`
  // becomes its client's HttpClientOptions::ca_file (https:// base URLs verify the peer always).
  // `now` is read for HTTP-date Retry-After values (default: the system clock).
  explicit HttpExecutor(DownstreamConfig config, WallClock now = {});
  ~HttpExecutor() override;

  Outcome Execute(const ActivityCall& call) override;

  DocumentLookupResult LookUpDocument(const std::string& activity,
                                      const std::string& idempotency_key) override;

  // TCP connections opened so far, over all downstreams (keep-alive keeps it flat).
  int connections_opened() const;

 private:
  struct Downstream {
    adapters::Adapter adapter;
    DownstreamEndpoint endpoint;
    std::unique_ptr<http::HttpClient> client;
  };

  std::map<std::string, Downstream> downstreams_;  // by name; immutable after construction
  WallClock now_;
};

// The lookup of the operations CLI (`o2c replay ... --dry-run`): an HttpExecutor over the
// downstreams whose O2C_<DOWNSTREAM>_URL is set (DownstreamConfig::ConfiguredInEnvironment), or
// nullptr when none is. Throws std::invalid_argument for a bad setting, naming it.
std::shared_ptr<DocumentLookup> DocumentLookupFromEnvironment();

}  // namespace o2c::activities
