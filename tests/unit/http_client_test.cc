// HttpClient against real HTTP servers on 127.0.0.1 (ephemeral ports): the simulator for
// idempotency and dropped connections, small custom handlers for headers and timeouts.
#include "engine/http/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "activities/sim/sim_service.h"
#include "engine/http/http_server.h"

namespace o2c::http {
namespace {

using namespace std::chrono_literals;
using policy::TransportError;

std::unique_ptr<HttpServer> StartServer(Handler handler,
                                        std::chrono::milliseconds io_timeout = 10'000ms) {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 4;
  options.io_timeout = io_timeout;
  options.shutdown_grace = 200ms;
  auto server = std::make_unique<HttpServer>(options, std::move(handler));
  server->Start();
  return server;
}

std::string BaseUrl(const HttpServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

struct HttpClientSimTest : ::testing::Test {
  std::shared_ptr<sim::SimService> service = std::make_shared<sim::SimService>();
  std::unique_ptr<HttpServer> server =
      StartServer([svc = service](const HttpRequest& req) { return svc->Handle(req); });
  std::string base = BaseUrl(*server);
};

HttpRequest Post(const std::string& target, const nlohmann::json& body) {
  return MakeRequest("POST", target, {}, body.dump());
}

TEST_F(HttpClientSimTest, CreatesASalesOrderAndRepeatsTheSameKeyIdentically) {
  HttpClient client;
  HttpCallResult first =
      client.Send(base, Post("/erp/sales-orders", {{"order_id", "o1"}}), "key-1", "");
  ASSERT_EQ(first.error, TransportError::kNone) << first.detail;
  ASSERT_TRUE(first.response);
  EXPECT_TRUE(first.response->status == 200 || first.response->status == 201)
      << first.response->status;
  EXPECT_TRUE(first.request_sent);
  EXPECT_EQ(nlohmann::json::parse(first.response->body)["sales_order_id"], "SO-1");

  HttpCallResult again =
      client.Send(base, Post("/erp/sales-orders", {{"order_id", "o1"}}), "key-1", "");
  ASSERT_TRUE(again.response) << again.detail;
  EXPECT_EQ(again.response->status, first.response->status);
  EXPECT_EQ(again.response->body, first.response->body);
  EXPECT_EQ(service->Stats()["idempotent_repeats"], 1);

  policy::CallResult call = ToCallResult(first, Post("/erp/sales-orders", {}), "ERP");
  EXPECT_EQ(call.downstream, "ERP");
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.path, "/erp/sales-orders");
  EXPECT_EQ(call.status, first.response->status);
  EXPECT_EQ(call.transport, TransportError::kNone);
}

TEST_F(HttpClientSimTest, SequentialRequestsReuseOneConnection) {
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    HttpCallResult r = client.Send(base, MakeRequest("GET", "/sim/stats"), "", "");
    ASSERT_TRUE(r.response) << r.detail;
    EXPECT_EQ(r.response->status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1);
  EXPECT_EQ(client.idle_connections(), 1);
}

TEST_F(HttpClientSimTest, ConnectionDroppedAfterTheRequestIsResetAfterSend) {
  HttpClient client;
  HttpCallResult faults =
      client.Send(base,
                  Post("/sim/faults",
                       {{"rules", {{{"match", "POST /erp/sales-orders"}, {"ambiguous_rate", 1}}}}}),
                  "", "");
  ASSERT_TRUE(faults.response) << faults.detail;
  ASSERT_EQ(faults.response->status, 200) << faults.response->body;

  // Over the pooled connection: the drop must not be retried (the order exists now).
  HttpCallResult lost = client.Send(base, Post("/erp/sales-orders", {{"order_id", "o1"}}), "k", "");
  EXPECT_EQ(lost.error, TransportError::kResetAfterSend) << lost.detail;
  EXPECT_TRUE(lost.request_sent);
  EXPECT_FALSE(lost.response);
  EXPECT_EQ(service->Stats()["requests"]["POST /erp/sales-orders"], 1);
  EXPECT_EQ(ToCallResult(lost, Post("/erp/sales-orders", {})).transport,
            TransportError::kResetAfterSend);

  // The caller retries with the same key and gets the original answer.
  HttpCallResult retry =
      client.Send(base, Post("/erp/sales-orders", {{"order_id", "o1"}}), "k", "");
  ASSERT_TRUE(retry.response) << retry.detail;
  EXPECT_EQ(nlohmann::json::parse(retry.response->body)["sales_order_id"], "SO-1");
}

TEST_F(HttpClientSimTest, ConcurrentSendsShareThePool) {
  HttpClient client(HttpClientOptions{.max_idle_per_host = 4});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string key = "k-" + std::to_string(t) + "-" + std::to_string(i);
        HttpCallResult r = client.Send(base, Post("/erp/sales-orders", {{"order_id", key}}), key,
                                       TraceParent(key, "1"));
        if (r.response && r.response->status / 100 == 2) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok, 80);
  EXPECT_LE(client.connections_opened(), 4);
  EXPECT_LE(client.idle_connections(), 4);
}

TEST(HttpClientTest, ClosedPortIsConnectRefused) {
  uint16_t port = 0;
  {
    auto server = StartServer([](const HttpRequest&) { return HttpResponse{}; });
    port = server->port();
  }  // stopped: nothing listens on `port` now
  HttpClient client;
  HttpCallResult r =
      client.Send("http://127.0.0.1:" + std::to_string(port), MakeRequest("GET", "/"), "", "");
  EXPECT_EQ(r.error, TransportError::kConnectRefused) << r.detail;
  EXPECT_FALSE(r.request_sent);
  EXPECT_FALSE(r.response);
  EXPECT_EQ(client.connections_opened(), 0);
}

TEST(HttpClientTest, SlowHandlerIsReadTimeoutAfterSend) {
  auto server = StartServer([](const HttpRequest&) {
    std::this_thread::sleep_for(600ms);
    return JsonResponse(200, nlohmann::json::object());
  });
  HttpClient client(HttpClientOptions{.connect_timeout = 500ms, .request_timeout = 200ms});
  HttpCallResult r = client.Send(BaseUrl(*server), MakeRequest("GET", "/slow"), "", "");
  EXPECT_EQ(r.error, TransportError::kReadTimeoutAfterSend) << r.detail;
  EXPECT_TRUE(r.request_sent);
  EXPECT_GE(r.duration, 190ms);
  EXPECT_LT(r.duration, 550ms);
  EXPECT_EQ(client.idle_connections(), 0);  // a timed-out connection is not pooled
}

TEST(HttpClientTest, SendsTraceparentIdempotencyKeyAndStandardHeaders) {
  auto server = StartServer([](const HttpRequest& req) {
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [name, value] : req.headers) headers[name] = value;
    return JsonResponse(200, {{"headers", headers}, {"target", req.target}, {"body", req.body}});
  });
  HttpClient client;
  std::string traceparent = TraceParent("corr-42", "attempt-1");
  HttpCallResult r =
      client.Send(BaseUrl(*server) + "/api/", MakeRequest("POST", "/echo?x=1", {}, R"({"a":1})"),
                  "idem-7", traceparent);
  ASSERT_TRUE(r.response) << r.detail;
  nlohmann::json echo = nlohmann::json::parse(r.response->body);
  nlohmann::json headers = echo["headers"];
  // The server's HeaderMap keeps the case the client sent.
  auto header = [&](const std::string& name) -> std::string {
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      std::string key = it.key();
      if (key.size() == name.size() &&
          std::equal(key.begin(), key.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
        return it.value();
    }
    return "";
  };
  EXPECT_EQ(header("traceparent"), traceparent);
  EXPECT_TRUE(
      std::regex_match(header("traceparent"), std::regex("00-[0-9a-f]{32}-[0-9a-f]{16}-01")));
  EXPECT_EQ(header("idempotency-key"), "idem-7");
  EXPECT_EQ(header("user-agent"), "o2c");
  EXPECT_EQ(header("content-type"), "application/json");
  EXPECT_EQ(header("host"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(echo["target"], "/api/echo?x=1");
  EXPECT_EQ(echo["body"], R"({"a":1})");

  // Without a key or traceparent, neither header is sent.
  HttpCallResult plain = client.Send(BaseUrl(*server), MakeRequest("GET", "/echo"), "", "");
  ASSERT_TRUE(plain.response) << plain.detail;
  headers = nlohmann::json::parse(plain.response->body)["headers"];
  EXPECT_EQ(header("traceparent"), "");
  EXPECT_EQ(header("idempotency-key"), "");
  EXPECT_EQ(header("content-type"), "");
}

TEST(HttpClientTest, StaleKeepAliveIsReplacedByAFreshConnection) {
  // The server closes idle connections after 100 ms.
  auto server = StartServer(
      [](const HttpRequest&) {
        return JsonResponse(200, {{"ok", true}});
      },
      100ms);
  HttpClient client;
  ASSERT_TRUE(client.Send(BaseUrl(*server), MakeRequest("GET", "/"), "", "").response);
  std::this_thread::sleep_for(300ms);
  HttpCallResult r = client.Send(BaseUrl(*server), MakeRequest("GET", "/"), "", "");
  ASSERT_TRUE(r.response) << r.detail;
  EXPECT_EQ(r.response->status, 200);
  EXPECT_EQ(client.connections_opened(), 2);
}

// https:// itself is tested in http_client_tls_test.cc.
TEST(HttpClientTest, OnlyHttpAndHttpsUrlsAreAccepted) {
  HttpClient client;
  HttpCallResult r = client.Send("https://127.0.0.1:1", MakeRequest("GET", "/"), "", "");
  EXPECT_EQ(r.error, TransportError::kConnectRefused) << r.detail;  // TCP first, then TLS
  EXPECT_FALSE(r.request_sent);
  EXPECT_THROW(client.Send("ftp://x", MakeRequest("GET", "/"), "", ""), std::invalid_argument);
}

TEST(HttpClientTest, TraceParentIsDeterministicAndWellFormed) {
  std::regex format("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
  std::string a = TraceParent("corr-1", "s1");
  EXPECT_TRUE(std::regex_match(a, format)) << a;
  EXPECT_EQ(a, TraceParent("corr-1", "s1"));
  EXPECT_TRUE(std::regex_match(TraceParent("", ""), format));
  EXPECT_NE(a.substr(3, 32), std::string(32, '0'));
  // Same trace for one correlation id, another span per seed; another trace per correlation id.
  std::string b = TraceParent("corr-1", "s2");
  EXPECT_EQ(a.substr(3, 32), b.substr(3, 32));
  EXPECT_NE(a.substr(36, 16), b.substr(36, 16));
  EXPECT_NE(a.substr(3, 32), TraceParent("corr-2", "s1").substr(3, 32));
}

TEST(HttpClientTest, ToCallResultCarriesStatusRetryAfterAndMessage) {
  HttpCallResult r;
  HttpResponse response = ErrorResponse(503, "unavailable", "ERP is down");
  response.headers["Retry-After"] = "2";
  r.response = response;
  r.request_sent = true;
  policy::CallResult call = ToCallResult(r, MakeRequest("POST", "/erp/invoices?x=1"), "ERP");
  EXPECT_EQ(call.status, 503);
  EXPECT_EQ(call.retry_after, "2");
  EXPECT_EQ(call.detail, "ERP is down");
  EXPECT_EQ(call.path, "/erp/invoices");
}

}  // namespace
}  // namespace o2c::http
