// HttpClient, and the adapters' configuration, over real loopback TLS: a throwaway CA and server
// certificates made in memory for each test, and a tiny Beast TLS server on 127.0.0.1:0
// (tls_test_support.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "activities/adapters/downstream_config.h"
#include "activities/adapters/http_executor.h"
#include "engine/http/http_client.h"
#include "engine/http/http_server.h"
#include "tests/unit/tls_test_support.h"

namespace o2c::http {
namespace {

using namespace std::chrono_literals;
using o2c::testing::KeyPem;
using o2c::testing::ServerMode;
using o2c::testing::TempFile;
using o2c::testing::TestCa;
using o2c::testing::TlsTestServer;
using policy::TransportError;

struct HttpClientTlsTest : ::testing::Test {
  TestCa ca;
  TempFile ca_file{ca.pem};
  TlsTestServer server{ca.Issue("DNS:localhost,IP:127.0.0.1")};

  HttpClientOptions Trusting() { return HttpClientOptions{.ca_file = ca_file.path()}; }
};

nlohmann::json Echo(const HttpCallResult& result) {
  if (!result.response) return nullptr;
  return nlohmann::json::parse(result.response->body, nullptr, false);
}

TEST_F(HttpClientTlsTest, GetAndPostOverHttpsWithTheTestCa) {
  HttpClient client(Trusting());
  HttpCallResult get = client.Send(server.Url() + "/api", MakeRequest("GET", "/erp/orders?x=1"));
  ASSERT_EQ(get.error, TransportError::kNone) << get.detail;
  EXPECT_EQ(get.response->status, 200);
  EXPECT_EQ(Echo(get)["method"], "GET");
  EXPECT_EQ(Echo(get)["target"], "/api/erp/orders?x=1");

  HttpCallResult post =
      client.Send(server.Url(), MakeRequest("POST", "/erp/sales-orders", {}, R"({"a":1})"), "k-1");
  ASSERT_EQ(post.error, TransportError::kNone) << post.detail;
  EXPECT_TRUE(post.request_sent);
  EXPECT_EQ(Echo(post)["body"], R"({"a":1})");
  EXPECT_EQ(Echo(post)["idempotency_key"], "k-1");
  EXPECT_EQ(server.requests(), 2);
}

TEST_F(HttpClientTlsTest, WithoutTheCaTheHandshakeFailsAndNothingIsSent) {
  HttpClient client;  // the system trust store only
  HttpCallResult r = client.Send(server.Url(), MakeRequest("POST", "/erp/sales-orders", {}, "{}"));
  EXPECT_EQ(r.error, TransportError::kTls) << r.detail;
  EXPECT_FALSE(r.request_sent);
  EXPECT_FALSE(r.response);
  EXPECT_NE(r.detail.find("certificate verify failed: unable to get local issuer certificate"),
            std::string::npos)
      << r.detail;
  EXPECT_NE(r.detail.find("ca_file"), std::string::npos) << r.detail;  // what to do about it
  EXPECT_EQ(server.handshakes(), 0);
  EXPECT_EQ(server.requests(), 0);
  EXPECT_EQ(client.idle_connections(), 0);
  EXPECT_EQ(policy::Classify(ToCallResult(r, MakeRequest("POST", "/erp/sales-orders"), "ERP"),
                             std::chrono::system_clock::now())
                .kind,
            policy::CallKind::kTransient);
}

TEST(HttpClientTlsHostTest, ASelfSignedServerIsNamedAsSuch) {
  TestCa self_signed;  // the server presents the CA certificate itself
  TlsTestServer server({self_signed.pem, KeyPem(self_signed.key.get())});
  HttpClient client;
  HttpCallResult r = client.Send(server.Url(), MakeRequest("GET", "/"));
  EXPECT_EQ(r.error, TransportError::kTls) << r.detail;
  EXPECT_FALSE(r.request_sent);
  EXPECT_NE(r.detail.find("certificate verify failed: self-signed certificate"), std::string::npos)
      << r.detail;
}

TEST_F(HttpClientTlsTest, VerifyPeerOffAcceptsTheUnknownCaForTestsOnly) {
  HttpClient client(HttpClientOptions{.verify_peer = false});
  HttpCallResult r = client.Send(server.Url(), MakeRequest("GET", "/"));
  ASSERT_EQ(r.error, TransportError::kNone) << r.detail;
  EXPECT_EQ(r.response->status, 200);
}

TEST_F(HttpClientTlsTest, SendsSniForHostNamesOnly) {
  HttpClient client(Trusting());
  ASSERT_TRUE(client.Send(server.Url("localhost"), MakeRequest("GET", "/")).response);
  ASSERT_TRUE(client.Send(server.Url("127.0.0.1"), MakeRequest("GET", "/")).response);
  // Two pool keys, two connections; no SNI for the IP literal (RFC 6066 3).
  EXPECT_EQ(server.server_names(), (std::vector<std::string>{"localhost", ""}));
}

TEST_F(HttpClientTlsTest, KeepAliveReusesTheTlsConnection) {
  HttpClient client(Trusting());
  for (int i = 0; i < 4; ++i) {
    HttpCallResult r = client.Send(server.Url(), MakeRequest("GET", "/n/" + std::to_string(i)));
    ASSERT_EQ(r.error, TransportError::kNone) << r.detail;
    EXPECT_EQ(Echo(r)["connection"], 1);
  }
  EXPECT_EQ(client.connections_opened(), 1);
  EXPECT_EQ(client.idle_connections(), 1);
  EXPECT_EQ(server.handshakes(), 1);
  EXPECT_EQ(server.requests(), 4);
}

TEST_F(HttpClientTlsTest, ConcurrentSendsShareThePool) {
  HttpClient client(Trusting());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        HttpCallResult r = client.Send(server.Url(), MakeRequest("POST", "/x", {}, "{}"), "k");
        if (r.response && r.response->status == 200) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok, 40);
  EXPECT_LE(client.connections_opened(), 4);
  EXPECT_EQ(server.handshakes(), client.connections_opened());
}

TEST(HttpClientTlsHostTest, ACertificateForAnotherNameIsRefused) {
  TestCa ca;
  TempFile ca_file(ca.pem);
  HttpClient client(HttpClientOptions{.ca_file = ca_file.path()});

  TlsTestServer elsewhere(ca.Issue("DNS:elsewhere.test"));
  HttpCallResult by_ip = client.Send(elsewhere.Url("127.0.0.1"), MakeRequest("GET", "/"));
  EXPECT_EQ(by_ip.error, TransportError::kTls) << by_ip.detail;
  EXPECT_FALSE(by_ip.request_sent);
  EXPECT_NE(by_ip.detail.find("certificate verify failed: IP address mismatch"), std::string::npos)
      << by_ip.detail;

  TlsTestServer ip_only(ca.Issue("IP:127.0.0.1"));
  HttpCallResult by_name = client.Send(ip_only.Url("localhost"), MakeRequest("GET", "/"));
  EXPECT_EQ(by_name.error, TransportError::kTls) << by_name.detail;
  EXPECT_FALSE(by_name.request_sent);
  EXPECT_NE(by_name.detail.find("certificate verify failed: hostname mismatch"), std::string::npos)
      << by_name.detail;
  EXPECT_NE(by_name.detail.find("not issued for 'localhost'"), std::string::npos) << by_name.detail;
  EXPECT_EQ(elsewhere.requests() + ip_only.requests(), 0);
}

TEST(HttpClientTlsHostTest, TheDeadlineCoversAServerThatNeverFinishesTheHandshake) {
  TestCa ca;
  TempFile ca_file(ca.pem);
  TlsTestServer silent(ca.Issue("IP:127.0.0.1"), ServerMode::kNeverHandshake);

  // Bounded by request_timeout...
  HttpClient client(HttpClientOptions{
      .connect_timeout = 5'000ms, .request_timeout = 300ms, .ca_file = ca_file.path()});
  HttpCallResult r = client.Send(silent.Url(), MakeRequest("POST", "/x", {}, "{}"), "k");
  EXPECT_EQ(r.error, TransportError::kTls) << r.detail;
  EXPECT_FALSE(r.request_sent);
  EXPECT_NE(r.detail.find("timed out"), std::string::npos) << r.detail;
  EXPECT_GE(r.duration, 290ms);
  EXPECT_LT(r.duration, 1'500ms);

  // ...and by connect_timeout, which covers TCP connect + handshake.
  HttpClient quick(HttpClientOptions{
      .connect_timeout = 200ms, .request_timeout = 5'000ms, .ca_file = ca_file.path()});
  HttpCallResult q = quick.Send(silent.Url(), MakeRequest("GET", "/"));
  EXPECT_EQ(q.error, TransportError::kTls) << q.detail;
  EXPECT_GE(q.duration, 190ms);
  EXPECT_LT(q.duration, 1'500ms);
  EXPECT_EQ(silent.accepted(), 2);
}

TEST(HttpClientTlsHostTest, AClosedPooledTlsConnectionIsReplaced) {
  TestCa ca;
  TempFile ca_file(ca.pem);
  TlsTestServer closing(ca.Issue("IP:127.0.0.1"), ServerMode::kCloseAfterEachAnswer);
  HttpClient client(HttpClientOptions{.ca_file = ca_file.path()});
  ASSERT_TRUE(client.Send(closing.Url(), MakeRequest("GET", "/")).response);
  std::this_thread::sleep_for(100ms);  // the server's FIN arrives
  HttpCallResult r = client.Send(closing.Url(), MakeRequest("POST", "/x", {}, "{}"), "k");
  ASSERT_EQ(r.error, TransportError::kNone) << r.detail;
  EXPECT_EQ(Echo(r)["connection"], 2);
  EXPECT_EQ(client.connections_opened(), 2);
  EXPECT_EQ(closing.requests(), 2);  // the POST was sent once, on the fresh connection
}

TEST(HttpClientTlsHostTest, APlainHttpServerIsNamedAsSuch) {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.shutdown_grace = 200ms;
  HttpServer plain(options,
                   [](const HttpRequest&) { return JsonResponse(200, nlohmann::json::object()); });
  plain.Start();
  HttpClient client;
  HttpCallResult r =
      client.Send("https://127.0.0.1:" + std::to_string(plain.port()), MakeRequest("GET", "/"));
  EXPECT_EQ(r.error, TransportError::kTls) << r.detail;
  EXPECT_FALSE(r.request_sent);
  EXPECT_NE(r.detail.find("plain http://"), std::string::npos) << r.detail;
}

TEST(HttpClientTlsHostTest, AnUnusableCaFileIsAConfigurationError) {
  try {
    HttpClient client(HttpClientOptions{.ca_file = "/nonexistent/ca.pem"});
    ADD_FAILURE() << "no error for a missing CA file";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
  TempFile garbage("not a certificate\n");
  EXPECT_THROW(HttpClient(HttpClientOptions{.ca_file = garbage.path()}), std::invalid_argument);
}

// ---- The adapters' configuration over TLS ----

std::optional<std::string> From(const std::map<std::string, std::string>& env,
                                const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

TEST(DownstreamTlsConfigTest, CaFilesComeFromTheDownstreamsOwnVariableElseTheSharedOne) {
  TempFile erp_ca("erp"), shared_ca("shared");
  std::map<std::string, std::string> env = {{"O2C_ERP_URL", "https://erp.internal:8443/v2"},
                                            {"O2C_ERP_CA_FILE", erp_ca.path()},
                                            {"O2C_WMS_URL", "https://wms.internal"},
                                            {"O2C_TLS_CA_FILE", shared_ca.path()}};
  auto config = activities::DownstreamConfig::FromEnvironment(
      "http://127.0.0.1:8090", [&](const std::string& n) { return From(env, n); });
  EXPECT_EQ(config.endpoints["erp"].base_url, "https://erp.internal:8443/v2");
  EXPECT_EQ(config.endpoints["erp"].ca_file, erp_ca.path());
  EXPECT_EQ(config.endpoints["wms"].ca_file, shared_ca.path());
  EXPECT_EQ(config.endpoints["routing"].ca_file, "");  // http://: the shared CA does not apply
  EXPECT_NO_THROW(activities::ValidateBaseUrl("https://[::1]:8443/p", "x"));
}

TEST(DownstreamTlsConfigTest, BadCaSettingsAreClearErrors) {
  auto error_for = [](std::map<std::string, std::string> env) -> std::string {
    try {
      activities::DownstreamConfig::FromEnvironment(
          "http://127.0.0.1:8090", [&](const std::string& n) { return From(env, n); });
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_for({{"O2C_ERP_URL", "https://erp"}, {"O2C_ERP_CA_FILE", "/nonexistent.pem"}})
                .find("O2C_ERP_CA_FILE '/nonexistent.pem': cannot read it"),
            std::string::npos);
  EXPECT_NE(error_for({{"O2C_SHOPIFY_URL", "https://s"}, {"O2C_TLS_CA_FILE", "/nonexistent.pem"}})
                .find("O2C_TLS_CA_FILE '/nonexistent.pem'"),
            std::string::npos);
  TempFile ca("x");
  EXPECT_NE(error_for({{"O2C_ERP_CA_FILE", ca.path()}}).find("O2C_ERP_CA_FILE is set but the erp"),
            std::string::npos);
}

TEST(HttpExecutorTlsTest, AnActivityRunsOverHttpsWithTheConfiguredCa) {
  TestCa ca;
  TempFile ca_file(ca.pem);
  TlsTestServer erp(ca.Issue("DNS:localhost"));
  activities::DownstreamConfig config = activities::DownstreamConfig::AllAt(erp.Url("localhost"));
  config.endpoints["erp"].ca_file = ca_file.path();
  activities::HttpExecutor executor(config);
  activities::ActivityCall call;
  call.activity = "erp.cancel_sales_order";
  call.input = {{"sales_order_id", "SO-1"}};
  call.idempotency_key = "k-cancel";
  activities::Outcome outcome = executor.Execute(call);
  const auto* ok = std::get_if<activities::Succeeded>(&outcome);
  ASSERT_NE(ok, nullptr);  // the echo server's answer is the result
  EXPECT_EQ(ok->result["target"], "/erp/sales-orders/SO-1/cancel");
  EXPECT_EQ(ok->result["idempotency_key"], "k-cancel");
  EXPECT_EQ(erp.requests(), 1);
  EXPECT_EQ(erp.server_names(), std::vector<std::string>{"localhost"});

  // The same downstream without the CA: a transient TLS failure, nothing sent.
  activities::HttpExecutor untrusting(activities::DownstreamConfig::AllAt(erp.Url("localhost")));
  activities::Outcome refused = untrusting.Execute(call);
  const auto* retry = std::get_if<activities::RetryAfter>(&refused);
  ASSERT_NE(retry, nullptr);
  EXPECT_NE(retry->error.find("TLS"), std::string::npos) << retry->error;
  EXPECT_EQ(erp.requests(), 1);

  config.endpoints["erp"].ca_file = "/nonexistent.pem";
  try {
    activities::HttpExecutor broken(config);
    ADD_FAILURE() << "no error for a missing CA file";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the erp downstream: cannot read the CA file"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace o2c::http
