#include "activities/adapters/http_executor.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/http/http_client.h"

namespace o2c::activities {

namespace {

using adapters::DownstreamChannel;
using adapters::Reply;

// The headers every request to `endpoint` carries.
http::HeaderMap DownstreamHeaders(const DownstreamEndpoint& endpoint) {
  http::HeaderMap headers;
  headers["Accept"] = "application/json";
  if (!endpoint.token.empty()) headers["Authorization"] = "Bearer " + endpoint.token;
  return headers;
}

// One activity call's view of its downstream: the transport plus the headers every call carries.
class HttpChannel final : public DownstreamChannel {
 public:
  HttpChannel(http::HttpClient& client, const DownstreamEndpoint& endpoint,
              const std::string& display_name, const ActivityCall& call,
              const HttpExecutor::WallClock& now)
      : client_(client),
        endpoint_(endpoint),
        display_name_(display_name),
        call_(call),
        now_(now),
        traceparent_(http::TraceParent(
            call.correlation_id.empty() ? std::to_string(call.workflow_id) : call.correlation_id,
            call.idempotency_key + "#" + std::to_string(call.attempt))) {}

  Reply Post(const std::string& path, const Json& body) override {
    return Send(http::MakeRequest("POST", path, Headers(), body.dump()), call_.idempotency_key);
  }
  Reply Get(const std::string& target) override {
    // Why no Idempotency-Key on a GET: reads are safe to repeat, and a key would make the
    // downstream remember (and replay) a listing that must be fresh.
    return Send(http::MakeRequest("GET", target, Headers()), "");
  }

 private:
  http::HeaderMap Headers() const { return DownstreamHeaders(endpoint_); }

  Reply Send(const http::HttpRequest& request, const std::string& key) {
    http::HttpCallResult result = client_.Send(endpoint_.base_url, request, key, traceparent_);
    Reply reply;
    reply.classification =
        policy::Classify(http::ToCallResult(result, request, display_name_), now_());
    if (result.response) {
      reply.body = Json::parse(result.response->body, nullptr, false);
      if (reply.body.is_discarded()) reply.body = nullptr;
    }
    return reply;
  }

  http::HttpClient& client_;
  const DownstreamEndpoint& endpoint_;
  const std::string& display_name_;
  const ActivityCall& call_;
  const HttpExecutor::WallClock& now_;
  const std::string traceparent_;
};

// The downstream's message in an error answer ({"error", "message"}), else its start.
std::string MessageOf(const http::HttpResponse& response) {
  Json body = Json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    for (const char* field : {"message", "error"})
      if (body.contains(field) && body[field].is_string()) return body[field].get<std::string>();
  }
  return response.body.size() > 120 ? response.body.substr(0, 120) + "..." : response.body;
}

// What a lookup's answer means (the table in http_executor.h). `what` names the request in
// sentences: "the ERP (GET /erp/idempotency/...)".
DocumentLookupResult InterpretLookup(const http::HttpResponse& response, const std::string& key,
                                     const std::string& what) {
  using P = DocumentPresence;
  Json body = Json::parse(response.body, nullptr, false);
  if (response.status == 200) {
    if (!body.is_object() || !body.contains("status") || !body["status"].is_number_integer() ||
        !body.contains("body"))
      return {P::kUnknown, nullptr, what + " answered 200 without an idempotency record"};
    const int recorded = body["status"].get<int>();
    if (recorded >= 200 && recorded < 300) return {P::kPresent, body, ""};
    // Why absent: a recorded refusal created no document, but a repeat gets that refusal back.
    std::string detail = "it answered this key " + std::to_string(recorded);
    const Json& first = body["body"];
    if (first.is_object() && first.contains("message") && first["message"].is_string())
      detail += " (" + first["message"].get<std::string>() + ")";
    return {P::kAbsent, body, detail + " and gives a repeat that answer; it holds no document"};
  }
  if (response.status == 404 && body.is_object() && body.contains("error") &&
      body["error"].is_string() &&
      body["error"].get<std::string>() == "no call with idempotency key " + key)
    return {P::kAbsent, nullptr, ""};
  if (response.status == 404)
    return {P::kUnknown, nullptr,
            what + " answered 404 (" + MessageOf(response) + "): it does not support lookups"};
  return {P::kUnknown, nullptr,
          what + " answered " + std::to_string(response.status) + ": " + MessageOf(response)};
}

}  // namespace

HttpExecutor::HttpExecutor(DownstreamConfig config, WallClock now) : now_(std::move(now)) {
  config.Validate();
  if (!now_) now_ = [] { return std::chrono::system_clock::now(); };
  std::vector<adapters::Adapter> adapters = {
      adapters::MakeErpAdapter(), adapters::MakeRoutingAdapter(), adapters::MakeWmsAdapter(),
      adapters::MakeShopifyAdapter()};
  for (adapters::Adapter& adapter : adapters) {
    auto endpoint = config.endpoints.find(adapter.downstream);
    if (endpoint == config.endpoints.end()) continue;
    http::HttpClientOptions options;
    options.request_timeout = endpoint->second.timeout;
    options.connect_timeout = std::min(options.connect_timeout, endpoint->second.timeout);
    options.ca_file = endpoint->second.ca_file;
    const std::string name = adapter.downstream;
    std::unique_ptr<http::HttpClient> client;
    try {
      client = std::make_unique<http::HttpClient>(options);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("the " + name + " downstream: " + e.what());
    }
    downstreams_.emplace(name, Downstream{std::move(adapter), endpoint->second, std::move(client)});
  }
}

HttpExecutor::~HttpExecutor() = default;

Outcome HttpExecutor::Execute(const ActivityCall& call) {
  auto it = downstreams_.find(DownstreamOfActivity(call.activity));
  if (it == downstreams_.end()) return Permanent{"no adapter for " + call.activity};
  Downstream& downstream = it->second;
  auto handler = downstream.adapter.handlers.find(call.activity);
  if (handler == downstream.adapter.handlers.end())
    return Permanent{"no adapter for " + call.activity};
  HttpChannel channel(*downstream.client, downstream.endpoint, downstream.adapter.display_name,
                      call, now_);
  try {
    return handler->second(call, channel);
  } catch (const adapters::InputError& e) {
    return Permanent{call.activity + ": " + e.what()};
  } catch (const std::exception& e) {
    // Why permanent: nothing downstream-related throws (the client reports failures as values),
    // so this is a bug in an adapter or its input; a retry would hit it again.
    return Permanent{call.activity + ": adapter error: " + e.what()};
  }
}

DocumentLookupResult HttpExecutor::LookUpDocument(const std::string& activity,
                                                  const std::string& idempotency_key) {
  const std::string name = DownstreamOfActivity(activity);
  if (name.empty()) return {DocumentPresence::kUnknown, nullptr, "no downstream for " + activity};
  auto it = downstreams_.find(name);
  if (it == downstreams_.end())
    return {DocumentPresence::kUnknown, nullptr,
            "the " + name + " downstream is not configured (" + DownstreamUrlVariable(name) + ")"};
  Downstream& downstream = it->second;
  const std::string target = "/" + name + "/idempotency" + adapters::PathSegment(idempotency_key);
  const std::string what = "the " + downstream.adapter.display_name + " (GET " + target + ")";
  try {
    http::HttpRequest request =
        http::MakeRequest("GET", target, DownstreamHeaders(downstream.endpoint));
    http::HttpCallResult result = downstream.client->Send(
        downstream.endpoint.base_url, request, "", http::TraceParent(idempotency_key, "lookup"));
    if (!result.response)
      return {DocumentPresence::kUnknown, nullptr, what + " could not be asked: " + result.detail};
    return InterpretLookup(*result.response, idempotency_key, what);
  } catch (const std::exception& e) {
    // Why catch: the contract says never throw; a dry run must still answer.
    return {DocumentPresence::kUnknown, nullptr, what + " could not be asked: " + e.what()};
  }
}

int HttpExecutor::connections_opened() const {
  int total = 0;
  for (const auto& [name, downstream] : downstreams_)
    total += downstream.client->connections_opened();
  return total;
}

std::shared_ptr<DocumentLookup> DocumentLookupFromEnvironment() {
  DownstreamConfig config = DownstreamConfig::ConfiguredInEnvironment();
  if (config.endpoints.empty()) return nullptr;
  return std::make_shared<HttpExecutor>(std::move(config));
}

}  // namespace o2c::activities
