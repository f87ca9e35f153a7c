#include "activities/sim/sim_service.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "activities/sim/sim_routes.h"

namespace o2c::sim {

using Json = nlohmann::json;
using http::ErrorResponse;
using http::JsonResponse;

namespace {

const std::vector<SimService::Route>& Routes();

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/'))
    if (!part.empty()) out.push_back(part);
  return out;
}

// "%2F" -> "/"; malformed escapes are kept literally. Unlike query decoding, '+' stays '+'.
std::string DecodeSegment(const std::string& raw) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
      out += static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
      i += 2;
    } else {
      out += raw[i];
    }
  }
  return out;
}

// The path as sent, still encoded: the request's target without its query (the decoded `path`
// when a test built the request without a target).
std::string RawPath(const HttpRequest& request) {
  if (request.target.empty()) return request.path;
  return request.target.substr(0, request.target.find('?'));
}

// Matches `raw_path` against a route pattern, collecting the {id} segments decoded. Why match
// before decoding: an id may hold an encoded "/" (idempotency keys do: "...:shop/1001"), which
// must stay inside its segment.
bool MatchPattern(const std::string& pattern, const std::string& raw_path,
                  std::vector<std::string>* ids) {
  std::vector<std::string> want = Segments(pattern), got = Segments(raw_path);
  if (want.size() != got.size()) return false;
  ids->clear();
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "{id}") {
      ids->push_back(DecodeSegment(got[i]));
    } else if (want[i] != DecodeSegment(got[i])) {
      return false;
    }
  }
  return true;
}

const std::vector<SimService::Route>& Routes() {
  static const std::vector<SimService::Route> kRoutes = {
      {"POST", "/erp/items/resolve", false, Op::kResolveItems},
      {"POST", "/erp/sales-orders", true, Op::kCreateSalesOrder},
      {"POST", "/erp/sales-orders/{id}/cancel", true, Op::kCancelSalesOrder},
      {"POST", "/erp/invoices", true, Op::kCreateInvoice},
      {"POST", "/erp/rmas", true, Op::kCreateRma},
      {"POST", "/erp/rmas/{id}/close", true, Op::kCloseRma},
      {"POST", "/erp/rmas/{id}/cancel", true, Op::kCancelRma},
      {"POST", "/erp/credit-memos", true, Op::kCreateCreditMemo},
      {"POST", "/erp/credit-memos/{id}/void", true, Op::kVoidCreditMemo},
      {"GET", "/erp/credit-memos", false, Op::kListCreditMemos},
      {"POST", "/routing/assign", false, Op::kAssignRouting},
      {"POST", "/wms/fulfillments", true, Op::kCreateWmsFulfillment},
      {"POST", "/wms/fulfillments/{id}/cancel", true, Op::kCancelWmsFulfillment},
      {"POST", "/wms/returns/expected", true, Op::kExpectReturn},
      {"POST", "/shopify/orders/{id}/fulfillments", true, Op::kCreateShopifyFulfillment},
      {"POST", "/shopify/orders/{id}/refunds", true, Op::kCreateShopifyRefund},
      {"GET", "/shopify/refunds", false, Op::kListShopifyRefunds},
      {"GET", "/erp/idempotency/{id}", false, Op::kLookUpIdempotency},
      {"GET", "/routing/idempotency/{id}", false, Op::kLookUpIdempotency},
      {"GET", "/wms/idempotency/{id}", false, Op::kLookUpIdempotency},
      {"GET", "/shopify/idempotency/{id}", false, Op::kLookUpIdempotency},
  };
  return kRoutes;
}

}  // namespace

SimService::SimService(SimOptions options)
    : options_([&] {
        if (!options.now) options.now = [] { return std::chrono::system_clock::now(); };
        if (!options.sleep) options.sleep = [](auto d) { std::this_thread::sleep_for(d); };
        return options;
      }()),
      rng_(options_.seed) {
  rules_installed_at_ = options_.now();
  for (const char* kind :
       {"erp.sales_orders", "erp.invoices", "erp.rmas", "erp.credit_memos", "wms.fulfillments",
        "wms.expected_returns", "shopify.fulfillments", "shopify.refunds"})
    document_counts_[kind] = 0;
  for (const Route& r : Routes()) {
    requests_[r.Name()] = 0;
    peak_rate_[r.Downstream()] = 0;
  }
  for (const char* f : {"outage", "rate_limited", "error", "timeout", "rejected", "ambiguous"})
    faults_[f] = 0;
  // Why random: the engine deduplicates webhooks by event id, so a restarted simulator (whose
  // document ids start again at 1) must not reuse the ids of its previous run.
  std::random_device entropy;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(entropy()));
  run_id_ = hex;
  if (options_.webhooks.enabled()) {
    webhooks_ = std::make_unique<WebhookSender>(
        options_.webhooks,
        [this](const std::string& id, const WebhookEvent& event) {
          return AdmitWmsEvent(id, event);
        },
        options_.now);
  }
}

void SimService::StopWebhooks() {
  if (webhooks_) webhooks_->Stop();
}

void SimService::SetFaults(std::vector<FaultRule> rules) {
  std::vector<ActiveRule> active;
  for (FaultRule& rule : rules) {
    ActiveRule a{std::move(rule), nullptr};
    if (a.rule.rate_limit)
      a.limiter = std::make_shared<policy::RateLimiter>(a.rule.rate_limit->per_s, 1);
    active.push_back(std::move(a));
  }
  std::lock_guard lock(mu_);
  rules_ = std::move(active);
  rules_installed_at_ = options_.now();
}

double SimService::Draw() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

void SimService::RecordAdmitted(const std::string& downstream, WallTime now) {
  auto& window = admitted_[downstream];
  while (!window.empty() && window.front() <= now - std::chrono::seconds(1)) window.pop_front();
  window.push_back(now);
  int& peak = peak_rate_[downstream];
  peak = std::max(peak, static_cast<int>(window.size()));
}

Json SimService::Stats() const {
  std::lock_guard lock(mu_);
  Json documents = Json::object(), requests = Json::object(), peak = Json::object();
  for (const auto& [k, v] : document_counts_) documents[k] = v;
  for (const auto& [k, v] : requests_) requests[k] = v;
  for (const auto& [k, v] : peak_rate_) peak[k] = v;
  Json webhooks =
      webhooks_ ? webhooks_->Stats()
                : Json{{"sent", 0}, {"retries", 0}, {"failed", 0}, {"pending", 0}, {"dropped", 0}};
  return {{"documents", documents},    {"idempotent_repeats", idempotent_repeats_},
          {"duplicates", duplicates_}, {"requests", requests},
          {"peak_rate_per_s", peak},   {"faults_injected", faults_},
          {"webhooks", webhooks}};
}

HttpResponse SimService::Handle(const HttpRequest& request) {
  if (request.path == "/sim" || request.path.rfind("/sim/", 0) == 0) return HandleControl(request);
  if (request.path == "/healthz") return JsonResponse(200, {{"ok", true}});
  std::vector<std::string> ids;
  bool path_known = false;
  const std::string raw_path = RawPath(request);
  for (const Route& route : Routes()) {
    if (!MatchPattern(route.pattern, raw_path, &ids)) continue;
    path_known = true;
    if (request.method == route.method) return HandleDownstream(route, ids, request);
  }
  if (path_known)
    return ErrorResponse(405, "method_not_allowed", request.method + " " + request.path);
  return ErrorResponse(404, "not_found",
                       "no such endpoint: " + request.method + " " + request.path);
}

HttpResponse SimService::HandleControl(const HttpRequest& request) {
  const std::string& m = request.method;
  if (request.path == "/sim/stats" && m == "GET") return JsonResponse(200, Stats());
  if (request.path == "/sim/faults") {
    if (m == "GET") {
      std::lock_guard lock(mu_);
      std::vector<FaultRule> rules;
      for (const ActiveRule& a : rules_) rules.push_back(a.rule);
      return JsonResponse(200, FaultRulesToJson(rules));
    }
    if (m == "DELETE") {
      SetFaults({});
      return JsonResponse(200, {{"rules", Json::array()}});
    }
    if (m == "POST") {
      try {
        std::vector<FaultRule> rules = ParseFaultRules(Json::parse(request.body));
        Json echo = FaultRulesToJson(rules);
        SetFaults(std::move(rules));
        return JsonResponse(200, echo);
      } catch (const std::exception& e) {
        return ErrorResponse(400, "bad_faults", e.what());
      }
    }
    return ErrorResponse(405, "method_not_allowed", m + " " + request.path);
  }
  std::vector<std::string> ids;
  if (m == "POST" && MatchPattern("/sim/wms/fulfillments/{id}/ship", request.path, &ids)) {
    std::lock_guard lock(mu_);
    auto it = documents_.find(ids[0]);
    if (it == documents_.end() || it->second.kind != "wms.fulfillments")
      return ErrorResponse(404, "not_found", "no fulfillment " + ids[0]);
    if (it->second.status == "cancelled")
      return ErrorResponse(409, "cancelled", "fulfillment " + ids[0] + " was cancelled");
    it->second.status = "shipped";
    return JsonResponse(200, {{"fulfillment_id", ids[0]}, {"status", "shipped"}});
  }
  return ErrorResponse(404, "not_found", "no such endpoint: " + m + " " + request.path);
}

HttpResponse SimService::HandleDownstream(const Route& route, const std::vector<std::string>& ids,
                                          const HttpRequest& request) {
  const std::string key = request.Header("Idempotency-Key");
  std::chrono::milliseconds latency{0};
  bool timeout = false, reject = false, ambiguous = false;
  {
    std::lock_guard lock(mu_);
    ++requests_[route.Name()];
    if (route.mutating && key.empty())
      return ErrorResponse(400, "missing_idempotency_key",
                           route.Name() + " requires an Idempotency-Key header");
    WallTime now = options_.now();
    for (const ActiveRule& a : rules_) {
      const FaultRule& r = a.rule;
      if (!r.Matches(request.method, request.path)) continue;
      if (r.outage) {
        auto start = rules_installed_at_ + std::chrono::duration_cast<WallTime::duration>(
                                               std::chrono::duration<double>(r.outage->start_in_s));
        auto end = start + std::chrono::duration_cast<WallTime::duration>(
                               std::chrono::duration<double>(r.outage->duration_s));
        if (now >= start && now < end) {
          ++faults_["outage"];
          return ErrorResponse(503, "outage", "simulated outage of " + route.Downstream());
        }
      }
      if (a.limiter) {
        auto steady = std::chrono::steady_clock::time_point(
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                now.time_since_epoch()));
        if (auto wait = a.limiter->Acquire(steady)) {
          ++faults_["rate_limited"];
          HttpResponse res = ErrorResponse(
              429, "rate_limited",
              "simulated rate limit of " + std::to_string(r.rate_limit->per_s) + "/s");
          double after =
              std::max(r.rate_limit->retry_after_s, std::chrono::duration<double>(*wait).count());
          res.headers["Retry-After"] = std::to_string(static_cast<long>(std::ceil(after)));
          return res;
        }
      }
    }
    RecordAdmitted(route.Downstream(), now);
    for (const ActiveRule& a : rules_) {
      const FaultRule& r = a.rule;
      if (!r.Matches(request.method, request.path)) continue;
      if (r.latency_max_ms > 0)
        latency += std::chrono::milliseconds(
            std::uniform_int_distribution<int>(r.latency_min_ms, r.latency_max_ms)(rng_));
      if (r.error_rate > 0 && Draw() < r.error_rate) {
        ++faults_["error"];
        HttpResponse res = ErrorResponse(r.error_status, "injected_error",
                                         "simulated error " + std::to_string(r.error_status));
        if (r.error_status == 429) res.headers["Retry-After"] = "1";
        // Why answer before sleeping: simpler, and an error's latency matters less than a
        // success's.
        return res;
      }
      if (r.timeout_rate > 0 && Draw() < r.timeout_rate) timeout = true;
      if (r.reject_rate > 0 && Draw() < r.reject_rate) reject = true;
      if (r.ambiguous_rate > 0 && Draw() < r.ambiguous_rate) ambiguous = true;
    }
    if (timeout) ++faults_["timeout"];
  }
  if (latency.count() > 0) options_.sleep(latency);
  if (timeout) options_.sleep(options_.timeout_delay);

  std::lock_guard lock(mu_);
  const std::string fingerprint = request.method + " " + request.path + "\n" + request.body;
  if (route.mutating) {
    auto it = idempotency_.find(key);
    if (it != idempotency_.end()) {
      if (it->second.fingerprint != fingerprint)
        return ErrorResponse(422, "idempotency_conflict",
                             "Idempotency-Key '" + key + "' was used for a different request");
      ++idempotent_repeats_;
      HttpResponse res;
      res.status = it->second.status;
      res.headers["Content-Type"] = "application/json";
      res.headers["Idempotent-Replayed"] = "true";
      res.body = it->second.body;
      return res;
    }
  }
  HttpResponse res;
  if (reject) {
    ++faults_["rejected"];
    res = ErrorResponse(422, "rejected", "simulated business rejection by " + route.Downstream());
  } else {
    Json body;
    if (request.method == "POST") {
      body = Json::parse(request.body.empty() ? std::string("{}") : request.body, nullptr, false);
    } else {
      body = Json::object();
    }
    if (body.is_null()) body = Json::object();  // "null" and "" both mean no fields
    if (body.is_discarded() || !body.is_object())
      res = ErrorResponse(400, "bad_json", "the body must be a JSON object");
    else
      res = Execute(route, ids, body, request);
  }
  if (route.mutating && res.status < 500)
    idempotency_[key] = Remembered{fingerprint, request.method, request.path, res.status, res.body};
  if (ambiguous && res.status < 300) {
    ++faults_["ambiguous"];
    HttpResponse lost = ErrorResponse(503, "ambiguous", "the call succeeded; its answer was lost");
    lost.drop_connection = true;
    return lost;
  }
  return res;
}

HttpResponse SimService::LookUpIdempotency(const std::string& downstream, const std::string& key) {
  auto it = idempotency_.find(key);
  // Why only this downstream's keys: each service answers for its own records, as separate real
  // services would.
  if (it == idempotency_.end() || it->second.path.rfind("/" + downstream + "/", 0) != 0)
    return JsonResponse(404, {{"error", "no call with idempotency key " + key}});
  const Remembered& first = it->second;
  Json body = Json::parse(first.body, nullptr, false);
  if (body.is_discarded()) body = first.body;  // not JSON: the text as it was sent
  return JsonResponse(200, {{"idempotency_key", key},
                            {"method", first.method},
                            {"path", first.path},
                            {"status", first.status},
                            {"body", body}});
}

}  // namespace o2c::sim
