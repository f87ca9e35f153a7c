// The simulated downstreams (INTERFACES.md "Downstream contracts"): ERP, routing, WMS and Shopify
// Admin as ONE request handler with real in-memory state and real idempotency, plus fault
// injection and stats. Beast-free: the transport (engine/http/http_server.h) calls Handle().
//
// Idempotency: every mutating call needs `Idempotency-Key` (missing -> 400). A key already
// answered returns the original status and body (counted in `idempotent_repeats`); the same key
// with a different method, path or body -> 422 `idempotency_conflict`. Answers below 500 are
// remembered; injected transient faults (outage, 429, error_rate) are not, so a retry proceeds.
//
// Idempotency lookup: `GET /<downstream>/idempotency/<percent-encoded key>` (downstream = erp,
// routing, wms, shopify; no Idempotency-Key needed) answers 200 {"idempotency_key", "method",
// "path", "status", "body"} = the FIRST answer that downstream recorded for the key, exactly what a
// repeat of the call would get (body as JSON), or 404 {"error": "no call with idempotency key
// <key>"} when none of its calls used the key (keys recorded by another downstream do not count).
// It reads only: it counts as a request (stats "requests", "GET /erp/idempotency/{id}"), is never
// a document or an idempotent repeat, and fault rules that match it (e.g. "GET /erp/idempotency")
// apply as to any endpoint. Operator dry runs ask it before a replay (activities/
// document_lookup.h).
//
// Paths are matched as sent and each {id} segment is then percent-decoded, so an id or key may
// hold an encoded "/".
//
// Business duplicates: each created document has a business reference taken from its body: the
// request's "reference" if present, else the first present of
//   erp.sales_orders: order_id · erp.invoices: shipment_id, fulfillment_id, sales_order_id ·
//   erp.rmas: return_id · erp.credit_memos: refund_id, return_id, rma_id ·
//   wms.fulfillments: shipment_id · wms.expected_returns: return_id, rma_id ·
//   shopify.fulfillments: shipment_id, fulfillment_id · shopify.refunds: refund_id, return_id,
//   credit_memo_id
// (prefixed with "shop" when present, and with the path's order id for Shopify). A second document
// for a reference already used is still created, as a real ERP would, and counted in `duplicates`
// (which must stay 0 when clients use their idempotency keys). No reference -> no check.
//
// Fault order for a downstream call: outage (503) -> rate limit (429 + Retry-After) -> latency ->
// error_rate (error_status) -> timeout (sleeps `timeout_delay`, then answers normally) -> a
// repeated key answered from its record -> reject_rate (422, remembered) -> the call ->
// ambiguous_rate (the document is created and remembered, but the transport drops the connection
// without an answer).
// `/sim/*` control endpoints have no faults and need no key.
//
// WMS progress webhooks (when SimOptions::webhooks is enabled, e.g. `o2c sim --engine-url`): a
// fulfillment created by POST /wms/fulfillments (not an idempotent repeat) reports
// `fulfillment.picked`, `.packed`, `.shipped` (its lines, carrier "UPS", a tracking number) and
// `.delivered`; an expected return (POST /wms/returns/expected) reports `return.received` and
// `return.inspected` (a disposition: the body's "disposition" if it is a string, else the first
// line's, else restock, refurbish, scrap, reject by the expected return's serial). Each event is
// sent `step_delay` after the previous one was accepted (sim_webhooks.h has the delivery, the
// wire format and the retries). A fulfillment cancelled before `shipped` was sent sends nothing
// more; sending `shipped` marks it "shipped", so a later cancel is a 409.
// `POST /sim/wms/fulfillments/{id}/ship` marks a fulfillment shipped by hand (no webhook).
//
// Thread-safety: Handle() may be called from any number of threads. Sleeps happen unlocked.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "activities/policy/rate_limiter.h"
#include "activities/sim/sim_faults.h"
#include "activities/sim/sim_webhooks.h"
#include "engine/http/http_message.h"

namespace o2c::sim {

using http::HttpRequest;
using http::HttpResponse;
using WallTime = std::chrono::system_clock::time_point;

struct SimOptions {
  uint64_t seed = 1;
  // How long a `timeout_rate` fault holds the answer: longer than any client's timeout.
  std::chrono::milliseconds timeout_delay{15'000};
  // Injectable for tests; default: the system clock and std::this_thread::sleep_for.
  std::function<WallTime()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  // The WMS's webhooks to the engine; disabled (nothing sent) unless engine_url or deliver is set.
  WebhookOptions webhooks;
};

class SimService {
 public:
  explicit SimService(SimOptions options = {});

  HttpResponse Handle(const HttpRequest& request);

  // Replaces all fault rules (the outage windows start now).
  void SetFaults(std::vector<FaultRule> rules);
  // Includes "webhooks": {"sent", "retries", "failed", "pending", "dropped"} (zeros when disabled).
  nlohmann::json Stats() const;
  // Drops the queued webhooks and stops their thread (shutdown). Idempotent; also on destruction.
  void StopWebhooks();

  struct Route;  // sim_routes.h

 private:
  struct Document {
    std::string id, kind, status;
    nlohmann::json body;
    WallTime created_at;
  };
  struct Remembered {
    std::string fingerprint;  // method, path and body of the first call
    std::string method, path;
    int status;
    std::string body;
  };
  struct ActiveRule {
    FaultRule rule;
    std::shared_ptr<policy::RateLimiter> limiter;  // when rule.rate_limit
  };

  HttpResponse HandleControl(const HttpRequest& request);
  HttpResponse HandleDownstream(const Route& route, const std::vector<std::string>& ids,
                                const HttpRequest& request);
  // The call itself. REQUIRES: mu_ held.
  HttpResponse Execute(const Route& route, const std::vector<std::string>& ids,
                       const nlohmann::json& body, const HttpRequest& request);
  // `created_id` (when not null) receives the new document's id.
  HttpResponse Create(const std::string& kind, const std::string& prefix,
                      const std::string& id_field, const nlohmann::json& body,
                      const std::string& order_id, std::string* created_id = nullptr);
  HttpResponse ChangeStatus(const std::string& kind, const std::string& id,
                            const std::string& id_field, const std::string& to,
                            const std::set<std::string>& refused_from);
  HttpResponse List(const std::string& kind, const std::string& list_name,
                    const std::string& since);
  // GET /<downstream>/idempotency/{key}: the record of the first answer. REQUIRES: mu_ held.
  HttpResponse LookUpIdempotency(const std::string& downstream, const std::string& key);
  // The webhooks of a new fulfillment or expected return (sim_wms_events.cc). REQUIRES: mu_ held.
  void ScheduleFulfillmentEvents(const Document& fulfillment);
  void ScheduleReturnEvents(const Document& expected_return);
  // The webhook gate: false once the document is cancelled; marks a fulfillment shipped as its
  // `shipped` event goes out. Takes mu_.
  bool AdmitWmsEvent(const std::string& document_id, const WebhookEvent& event);
  double Draw();  // uniform [0, 1). REQUIRES: mu_ held.
  void RecordAdmitted(const std::string& downstream, WallTime now);  // REQUIRES: mu_ held.

  const SimOptions options_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;                                   // GUARDED_BY(mu_)
  std::vector<ActiveRule> rules_;                         // GUARDED_BY(mu_)
  WallTime rules_installed_at_;                           // GUARDED_BY(mu_)
  std::map<std::string, Document> documents_;             // GUARDED_BY(mu_), by id
  std::map<std::string, int> document_counts_;            // GUARDED_BY(mu_), by kind
  std::map<std::string, int> serials_;                    // GUARDED_BY(mu_), by id prefix
  std::set<std::string> business_refs_;                   // GUARDED_BY(mu_)
  std::map<std::string, Remembered> idempotency_;         // GUARDED_BY(mu_)
  std::map<std::string, int> requests_;                   // GUARDED_BY(mu_), by route name
  std::map<std::string, int> faults_;                     // GUARDED_BY(mu_), by fault kind
  std::map<std::string, std::deque<WallTime>> admitted_;  // GUARDED_BY(mu_), last second
  std::map<std::string, int> peak_rate_;                  // GUARDED_BY(mu_), by downstream
  int idempotent_repeats_ = 0;                            // GUARDED_BY(mu_)
  int duplicates_ = 0;                                    // GUARDED_BY(mu_)
  std::string run_id_;  // makes webhook event ids unique across simulator runs
  // Last: destroyed (and its thread joined) first, while the documents its gate reads still exist.
  std::unique_ptr<WebhookSender> webhooks_;
};

}  // namespace o2c::sim
