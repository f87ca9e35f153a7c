// HttpExecutor::LookUpDocument (http_executor.h) over real loopback HTTP: against the simulator
// for present/absent, and against small servers that answer what a broken or foreign downstream
// would, for unknown. Also DownstreamConfig::ConfiguredInEnvironment, which the CLI's lookup uses.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "activities/adapters/http_executor.h"
#include "activities/sim/sim_service.h"
#include "engine/http/http_server.h"
#include "tests/unit/adapter_test_support.h"

namespace o2c::activities {
namespace {

using namespace std::chrono_literals;
using P = DocumentPresence;

constexpr const char* kKey = "erp.create_sales_order:demo.myshopify.com/1001";

struct LookupSimTest : ::testing::Test {
  std::shared_ptr<sim::SimService> service = std::make_shared<sim::SimService>();
  std::unique_ptr<http::HttpServer> server =
      StartServer([svc = service](const http::HttpRequest& req) { return svc->Handle(req); });
  HttpExecutor executor{DownstreamConfig::AllAt(BaseUrl(*server))};

  void Faults(const std::string& json) {
    service->SetFaults(sim::ParseFaultRules(Json::parse(json)));
  }
  Outcome CreateSalesOrder() {
    return executor.Execute(Call("erp.create_sales_order",
                                 {{"order_business_key", "demo.myshopify.com/1001"},
                                  {"lines", Json::array({{{"sku", "A"}, {"quantity", 1}}})}},
                                 kKey));
  }
};

TEST_F(LookupSimTest, AbsentBeforeTheCallPresentAfterIt) {
  DocumentLookupResult before = executor.LookUpDocument("erp.create_sales_order", kKey);
  EXPECT_EQ(before.presence, P::kAbsent) << before.detail;
  EXPECT_TRUE(before.answer.is_null());
  EXPECT_EQ(before.detail, "");

  ASSERT_TRUE(std::holds_alternative<Succeeded>(CreateSalesOrder()));
  DocumentLookupResult after = executor.LookUpDocument("erp.create_sales_order", kKey);
  ASSERT_EQ(after.presence, P::kPresent) << after.detail;
  EXPECT_EQ(after.answer["idempotency_key"], kKey);
  EXPECT_EQ(after.answer["path"], "/erp/sales-orders");
  EXPECT_EQ(after.answer["body"]["sales_order_id"], "SO-1");
  EXPECT_EQ(service->Stats()["documents"]["erp.sales_orders"], 1);
  EXPECT_EQ(service->Stats()["requests"]["GET /erp/idempotency/{id}"], 2);
}

TEST_F(LookupSimTest, AfterAnAmbiguousFailureTheDocumentIsPresent) {
  Faults(R"({"rules": [{"match": "POST /erp/sales-orders", "ambiguous_rate": 1.0}]})");
  ASSERT_TRUE(std::holds_alternative<RetryAfter>(CreateSalesOrder()));  // the answer was lost
  DocumentLookupResult found = executor.LookUpDocument("erp.create_sales_order", kKey);
  ASSERT_EQ(found.presence, P::kPresent) << found.detail;
  EXPECT_EQ(found.answer["body"]["sales_order_id"], "SO-1");
}

TEST_F(LookupSimTest, ARecordedRejectionIsAbsentWithWhatARepeatGets) {
  Faults(R"({"rules": [{"match": "POST /erp/rmas", "reject_rate": 1.0}]})");
  ASSERT_TRUE(std::holds_alternative<Permanent>(
      executor.Execute(Call("erp.create_rma", {{"return_key", "r/1"}}, "erp.create_rma:r/1"))));
  DocumentLookupResult found = executor.LookUpDocument("erp.create_rma", "erp.create_rma:r/1");
  EXPECT_EQ(found.presence, P::kAbsent);
  EXPECT_EQ(found.answer["status"], 422);
  EXPECT_NE(found.detail.find("it answered this key 422"), std::string::npos) << found.detail;
}

TEST_F(LookupSimTest, ALookupFailingDownstreamIsUnknown) {
  Faults(
      R"({"rules": [{"match": "GET /erp/idempotency", "error_rate": 1.0, "error_status": 500}]})");
  DocumentLookupResult found = executor.LookUpDocument("erp.create_sales_order", kKey);
  EXPECT_EQ(found.presence, P::kUnknown);
  EXPECT_NE(found.detail.find("answered 500: simulated error 500"), std::string::npos)
      << found.detail;
}

// A server that records each request and answers `status` with `body`.
struct Scripted {
  std::mutex mu;
  std::vector<http::HttpRequest> requests;
  int status = 200;
  std::string body = "{}";
  std::unique_ptr<http::HttpServer> server;
};

std::shared_ptr<Scripted> StartScripted(int status, std::string body) {
  auto s = std::make_shared<Scripted>();
  s->status = status;
  s->body = std::move(body);
  s->server = StartServer([raw = s.get()](const http::HttpRequest& req) {
    std::lock_guard lock(raw->mu);
    raw->requests.push_back(req);
    http::HttpResponse res;
    res.status = raw->status;
    res.body = raw->body;
    return res;
  });
  return s;
}

TEST(LookupWireTest, ActivityPrefixPicksTheDownstreamPathKeyEncodingAndToken) {
  auto wms = StartScripted(404, R"({"error": "no call with idempotency key wms.create_)"
                                R"(fulfillment:demo/1001/shipments/1"})");
  DownstreamConfig config = DownstreamConfig::AllAt(BaseUrl(*wms->server) + "/api");
  config.endpoints["wms"].token = "wms-token";
  HttpExecutor executor(config);
  DocumentLookupResult found = executor.LookUpDocument(
      "wms.create_fulfillment", "wms.create_fulfillment:demo/1001/shipments/1");
  EXPECT_EQ(found.presence, P::kAbsent) << found.detail;

  std::lock_guard lock(wms->mu);
  ASSERT_EQ(wms->requests.size(), 1u);
  const http::HttpRequest& sent = wms->requests[0];
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.target,
            "/api/wms/idempotency/wms.create_fulfillment%3Ademo%2F1001%2Fshipments%2F1");
  EXPECT_EQ(sent.Header("Authorization"), "Bearer wms-token");
  EXPECT_EQ(sent.Header("Idempotency-Key"), "");  // a read: nothing for the downstream to remember
}

TEST(LookupWireTest, AnswersOtherThanTheContractAreUnknown) {
  struct Case {
    int status;
    std::string body;
    std::string detail_part;
  };
  const std::vector<Case> cases = {
      {500, R"({"error": "internal", "message": "database down"})", "answered 500: database down"},
      {404, R"({"error": "not_found", "message": "no such endpoint"})",
       "answered 404 (no such endpoint): it does not support lookups"},
      {200, R"({"sales_order_id": "SO-1"})", "answered 200 without an idempotency record"},
      {200, "not json", "answered 200 without an idempotency record"},
      {401, R"({"error": "unauthorized", "message": "bad token"})", "answered 401: bad token"},
  };
  for (const Case& c : cases) {
    auto erp = StartScripted(c.status, c.body);
    HttpExecutor executor(DownstreamConfig::AllAt(BaseUrl(*erp->server)));
    DocumentLookupResult found = executor.LookUpDocument("erp.create_sales_order", kKey);
    EXPECT_EQ(found.presence, P::kUnknown) << c.status << " " << c.body;
    EXPECT_NE(found.detail.find(c.detail_part), std::string::npos) << found.detail;
    EXPECT_NE(found.detail.find("the ERP (GET /erp/idempotency/"), std::string::npos)
        << found.detail;
  }
}

TEST(LookupWireTest, UnreachableAndUnconfiguredDownstreamsAreUnknown) {
  auto gone = StartScripted(200, "{}");
  const std::string base = BaseUrl(*gone->server);
  gone->server->Stop();
  gone->server.reset();
  DownstreamConfig config = DownstreamConfig::AllAt(base);
  config.endpoints.erase("shopify");
  HttpExecutor executor(config);

  DocumentLookupResult refused = executor.LookUpDocument("erp.create_sales_order", kKey);
  EXPECT_EQ(refused.presence, P::kUnknown);
  EXPECT_NE(refused.detail.find("could not be asked"), std::string::npos) << refused.detail;

  DocumentLookupResult unconfigured =
      executor.LookUpDocument("shopify.create_fulfillment", "shopify.create_fulfillment:x");
  EXPECT_EQ(unconfigured.presence, P::kUnknown);
  EXPECT_EQ(unconfigured.detail, "the shopify downstream is not configured (O2C_SHOPIFY_URL)");

  DocumentLookupResult nameless = executor.LookUpDocument("nodot", "k");
  EXPECT_EQ(nameless.presence, P::kUnknown);
  EXPECT_EQ(nameless.detail, "no downstream for nodot");
}

TEST(DownstreamConfigTest, ConfiguredInEnvironmentKeepsOnlyTheDownstreamsWithAUrl) {
  std::map<std::string, std::string> env = {{"O2C_ERP_URL", "http://127.0.0.1:9001"},
                                            {"O2C_ERP_TOKEN", "t"},
                                            {"O2C_WMS_URL", ""},
                                            {"O2C_WMS_CA_FILE", "/no/such/file.pem"},
                                            {"O2C_SHOPIFY_TIMEOUT_MS", "not a number"}};
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
  DownstreamConfig config = DownstreamConfig::ConfiguredInEnvironment(lookup);
  ASSERT_EQ(config.endpoints.size(), 1u);
  EXPECT_EQ(config.endpoints["erp"].base_url, "http://127.0.0.1:9001");
  EXPECT_EQ(config.endpoints["erp"].token, "t");

  env["O2C_ERP_TIMEOUT_MS"] = "0";
  EXPECT_THROW(DownstreamConfig::ConfiguredInEnvironment(lookup), std::invalid_argument);
  env.clear();
  EXPECT_TRUE(DownstreamConfig::ConfiguredInEnvironment(lookup).endpoints.empty());
  EXPECT_EQ(DownstreamUrlVariable("routing"), "O2C_ROUTING_URL");
  EXPECT_EQ(DownstreamOfActivity("wms.create_fulfillment"), "wms");
  EXPECT_EQ(DownstreamOfActivity("nodot"), "");
}

}  // namespace
}  // namespace o2c::activities
