#include "activities/adapters/http_executor.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/http/http_client.h"

namespace o2c::activities {

namespace {

using adapters::DownstreamChannel;
using adapters::Reply;

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
  http::HeaderMap Headers() const {
    http::HeaderMap headers;
    headers["Accept"] = "application/json";
    if (!endpoint_.token.empty()) headers["Authorization"] = "Bearer " + endpoint_.token;
    return headers;
  }

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

std::string DownstreamOf(const std::string& activity) {
  const size_t dot = activity.find('.');
  return dot == std::string::npos ? std::string() : activity.substr(0, dot);
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
  auto it = downstreams_.find(DownstreamOf(call.activity));
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

int HttpExecutor::connections_opened() const {
  int total = 0;
  for (const auto& [name, downstream] : downstreams_)
    total += downstream.client->connections_opened();
  return total;
}

}  // namespace o2c::activities
