// The downstream adapters and HttpExecutor over real loopback HTTP: the simulator (SimService
// behind HttpServer on an ephemeral port) for documents, idempotency and faults; small capture
// servers for the bytes on the wire.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "activities/adapters/http_executor.h"
#include "activities/sim/sim_service.h"
#include "engine/http/http_client.h"
#include "engine/http/http_server.h"
#include "tests/unit/adapter_test_support.h"

namespace o2c::activities {
namespace {

using namespace std::chrono_literals;

Json ResultOf(const Outcome& outcome) {
  const auto* ok = std::get_if<Succeeded>(&outcome);
  if (ok == nullptr) {
    if (const auto* p = std::get_if<Permanent>(&outcome))
      ADD_FAILURE() << "permanent: " << p->reason;
    if (const auto* r = std::get_if<RetryAfter>(&outcome)) ADD_FAILURE() << "retry: " << r->error;
    return Json();
  }
  return ok->result;
}

// `base` with the fields of `extra` set.
Json With(Json base, const Json& extra) {
  base.update(extra);
  return base;
}

Json Lines() {
  return Json::array({{{"line_id", "L1"}, {"sku", "SKU-A"}, {"quantity", 2}},
                      {{"line_id", "L2"}, {"sku", "SKU-B"}, {"quantity", 1}}});
}

struct AdaptersSimTest : ::testing::Test {
  std::shared_ptr<sim::SimService> service = std::make_shared<sim::SimService>();
  std::unique_ptr<http::HttpServer> server =
      StartServer([svc = service](const http::HttpRequest& req) { return svc->Handle(req); });
  HttpExecutor executor{DownstreamConfig::AllAt(BaseUrl(*server))};

  Json Stats() { return service->Stats(); }
  int Documents(const char* kind) { return Stats()["documents"].value(kind, -1); }
  void Faults(const std::string& json) {
    service->SetFaults(sim::ParseFaultRules(Json::parse(json)));
  }
};

TEST_F(AdaptersSimTest, OrderAndShipmentActivitiesEndToEnd) {
  Json resolved = ResultOf(executor.Execute(Call(
      "erp.resolve_items",
      {{"order_id", "1001"}, {"lines", Json::array({{{"sku", "A"}}, {{"sku", "UNMAPPED-X"}}})}},
      "erp.resolve_items:shop/1001")));
  EXPECT_EQ(resolved["items"], Json({{"A", "ITEM-A"}}));
  EXPECT_EQ(resolved["unmapped"], Json::array({"UNMAPPED-X"}));

  Json routed = ResultOf(executor.Execute(
      Call("routing.assign", {{"order_id", "1001"}, {"lines", Lines()}, {"shipping_address", {}}},
           "routing.assign:shop/1001")));
  ASSERT_TRUE(routed["allocations"].is_array());
  EXPECT_EQ(routed["allocations"][0]["location"], "WH-1");
  EXPECT_EQ(routed["allocations"][0]["lines"], Lines());

  Json so = ResultOf(executor.Execute(
      Call("erp.create_sales_order",
           {{"order_id", "1001"}, {"lines", Lines()}, {"allocations", routed["allocations"]}},
           "erp.create_sales_order:shop/1001")));
  EXPECT_EQ(so["sales_order_id"], "SO-1");

  Json wf = ResultOf(executor.Execute(Call("wms.create_fulfillment",
                                           {{"shipment_key", "shop/1001/shipments/1"},
                                            {"location", "WH-1"},
                                            {"lines", Lines()},
                                            {"order_id", "1001"},
                                            {"sales_order_id", "SO-1"}},
                                           "wms.create_fulfillment:shop/1001/shipments/1")));
  EXPECT_EQ(wf["fulfillment_id"], "WF-1");

  Json shipped = {{"shipment_key", "shop/1001/shipments/1"},
                  {"shipment_seq", 1},
                  {"order_id", "1001"},
                  {"fulfillment_id", "WF-1"},
                  {"lines", Lines()},
                  {"carrier", "UPS"},
                  {"tracking_number", "1Z999"}};
  Json sf = ResultOf(executor.Execute(Call("shopify.create_fulfillment", shipped,
                                           "shopify.create_fulfillment:shop/1001/shipments/1:1")));
  EXPECT_EQ(sf["fulfillment_id"], "SF-1");
  Json invoice = ResultOf(executor.Execute(Call("erp.post_invoice",
                                                {{"shipment_key", "shop/1001/shipments/1"},
                                                 {"shipment_seq", 1},
                                                 {"order_id", "1001"},
                                                 {"sales_order_id", "SO-1"},
                                                 {"lines", Lines()}},
                                                "erp.post_invoice:shop/1001/shipments/1:1")));
  EXPECT_EQ(invoice["invoice_id"], "INV-1");

  Json cancelled_wf =
      ResultOf(executor.Execute(Call("wms.cancel_fulfillment",
                                     {{"shipment_key", "shop/1001/shipments/1"},
                                      {"fulfillment_id", "WF-1"},
                                      {"reason", "order_cancelled"}},
                                     "wms.cancel_fulfillment:shop/1001/shipments/1")));
  EXPECT_EQ(cancelled_wf["status"], "cancelled");
  Json cancelled_so = ResultOf(executor.Execute(
      Call("erp.cancel_sales_order",
           {{"sales_order_id", "SO-1"}, {"order_id", "1001"}, {"reason", "order_cancelled"}},
           "erp.cancel_sales_order:shop/1001")));
  EXPECT_EQ(cancelled_so["status"], "cancelled");

  Json stats = Stats();
  EXPECT_EQ(stats["documents"]["erp.sales_orders"], 1);
  EXPECT_EQ(stats["documents"]["wms.fulfillments"], 1);
  EXPECT_EQ(stats["documents"]["shopify.fulfillments"], 1);
  EXPECT_EQ(stats["documents"]["erp.invoices"], 1);
  EXPECT_EQ(stats["duplicates"], 0);
  EXPECT_EQ(stats["requests"]["POST /erp/sales-orders/{id}/cancel"], 1);
  EXPECT_EQ(stats["requests"]["POST /wms/fulfillments/{id}/cancel"], 1);
}

TEST_F(AdaptersSimTest, ReturnAndRefundActivitiesEndToEnd) {
  Json base = {{"return_key", "shop/returns/7"}, {"return_id", "7"}, {"order_id", "1001"}};
  Json rma = ResultOf(
      executor.Execute(Call("erp.create_rma", With(base, {{"lines", Lines()}, {"rma_id", nullptr}}),
                            "erp.create_rma:shop/returns/7")));
  EXPECT_EQ(rma["rma_id"], "RMA-1");
  base["rma_id"] = "RMA-1";
  Json expected = ResultOf(executor.Execute(Call(
      "wms.expect_return", With(base, {{"lines", Lines()}}), "wms.expect_return:shop/returns/7")));
  EXPECT_EQ(expected["expected_return_id"], "ER-1");
  Json amount = {{"amount_minor", 2500}, {"currency", "EUR"}};
  Json memo = ResultOf(executor.Execute(
      Call("erp.issue_credit_memo",
           With(base, {{"lines", Lines()}, {"amount", amount}, {"disposition", "restock"}}),
           "erp.issue_credit_memo:shop/returns/7")));
  EXPECT_EQ(memo["credit_memo_id"], "CM-1");
  Json refund_input = With(base, {{"credit_memo_id", "CM-1"},
                                  {"amount", amount},
                                  {"lines", Lines()},
                                  {"skip_if_matching_refund", true}});
  Json refund = ResultOf(executor.Execute(
      Call("shopify.create_refund", refund_input, "shopify.create_refund:shop/returns/7")));
  EXPECT_EQ(refund["refund_id"], "RF-1");
  Json voided = ResultOf(
      executor.Execute(Call("erp.void_credit_memo", With(base, {{"credit_memo_id", "CM-1"}}),
                            "erp.void_credit_memo:shop/returns/7")));
  EXPECT_EQ(voided["status"], "voided");
  Json closed = ResultOf(
      executor.Execute(Call("erp.close_rma", With(base, {{"reason", "inspection_rejected"}}),
                            "erp.close_rma:shop/returns/7")));
  EXPECT_EQ(closed["status"], "closed");

  // A second return's RMA, cancelled when its window expires.
  ResultOf(executor.Execute(
      Call("erp.create_rma", {{"return_key", "shop/returns/8"}}, "erp.create_rma:shop/returns/8")));
  Json cancelled = ResultOf(executor.Execute(
      Call("erp.cancel_rma", {{"return_key", "shop/returns/8"}, {"rma_id", "RMA-2"}},
           "erp.cancel_rma:shop/returns/8")));
  EXPECT_EQ(cancelled["status"], "cancelled");

  // The refund workflow's credit memo (a Shopify refund no return initiated).
  Json refund_memo = ResultOf(executor.Execute(
      Call("erp.issue_credit_memo",
           {{"refund_key", "shop/refunds/55"}, {"refund_id", "55"}, {"amount", amount}},
           "erp.issue_credit_memo:shop/refunds/55")));
  EXPECT_EQ(refund_memo["credit_memo_id"], "CM-2");

  Json stats = Stats();
  EXPECT_EQ(stats["documents"]["erp.rmas"], 2);
  EXPECT_EQ(stats["documents"]["wms.expected_returns"], 1);
  EXPECT_EQ(stats["documents"]["erp.credit_memos"], 2);
  EXPECT_EQ(stats["documents"]["shopify.refunds"], 1);
  EXPECT_EQ(stats["duplicates"], 0);
}

// The reference is the business identity: a second sales order for the same Shopify order (a new
// key, e.g. a bug or a lost key record) is caught by the downstream's duplicate check.
TEST_F(AdaptersSimTest, ReferenceIsTheBusinessIdentityOfTheDocument) {
  Json input = {{"order_id", "1001"}, {"lines", Lines()}};
  ResultOf(
      executor.Execute(Call("erp.create_sales_order", input, "erp.create_sales_order:shop/1001")));
  EXPECT_EQ(Stats()["duplicates"], 0);
  ResultOf(
      executor.Execute(Call("erp.create_sales_order",
                            With(input, {{"order_business_key", "shop/1001"}}), "some-other-key")));
  EXPECT_EQ(Stats()["duplicates"], 1);
  // Another order of the same shop is not a duplicate.
  ResultOf(executor.Execute(Call("erp.create_sales_order", With(input, {{"order_id", "1002"}}),
                                 "erp.create_sales_order:shop/1002")));
  EXPECT_EQ(Stats()["duplicates"], 1);
  EXPECT_EQ(Documents("erp.sales_orders"), 3);
}

TEST_F(AdaptersSimTest, SameKeyTwiceMakesOneDocument) {
  ActivityCall call = Call("erp.create_sales_order", {{"order_id", "1"}, {"lines", Lines()}},
                           "erp.create_sales_order:shop/1");
  Json first = ResultOf(executor.Execute(call));
  call.attempt = 2;
  Json second = ResultOf(executor.Execute(call));
  EXPECT_EQ(first["sales_order_id"], "SO-1");
  EXPECT_EQ(second, first);
  EXPECT_EQ(Documents("erp.sales_orders"), 1);
  EXPECT_EQ(Stats()["idempotent_repeats"], 1);
}

TEST_F(AdaptersSimTest, AmbiguousFailureRetriesAndTheRetryGetsTheSameDocument) {
  Faults(R"({"rules": [{"match": "POST /erp/sales-orders", "ambiguous_rate": 1.0}]})");
  ActivityCall call = Call("erp.create_sales_order", {{"order_id", "9"}, {"lines", Lines()}},
                           "erp.create_sales_order:shop/9");
  Outcome lost = executor.Execute(call);
  const auto* retry = std::get_if<RetryAfter>(&lost);
  ASSERT_NE(retry, nullptr);
  EXPECT_NE(retry->error.find("possibly succeeded"), std::string::npos) << retry->error;
  EXPECT_EQ(Documents("erp.sales_orders"), 1);  // it was created; only the answer was lost

  Faults(R"({"rules": []})");
  call.attempt = 2;
  Json result = ResultOf(executor.Execute(call));
  EXPECT_EQ(result["sales_order_id"], "SO-1");
  EXPECT_EQ(Documents("erp.sales_orders"), 1);
  EXPECT_EQ(Stats()["duplicates"], 0);
  EXPECT_EQ(Stats()["idempotent_repeats"], 1);
}

TEST_F(AdaptersSimTest, AmbiguousRefundIsFoundByItsReferenceUnderANewKey) {
  Faults(R"({"rules": [{"match": "POST /shopify", "ambiguous_rate": 1.0}]})");
  Json input = {{"return_key", "shop/returns/3"},
                {"order_id", "1001"},
                {"credit_memo_id", "CM-9"},
                {"skip_if_matching_refund", true}};
  ASSERT_TRUE(std::holds_alternative<RetryAfter>(executor.Execute(
      Call("shopify.create_refund", input, "shopify.create_refund:shop/returns/3"))));
  Faults(R"({"rules": []})");
  // Why a new key: the reference check must hold even when the key record is gone (an operator
  // replay under a new key, or a downstream that forgets keys after a day).
  Json found = ResultOf(executor.Execute(Call("shopify.create_refund", input, "other-key")));
  EXPECT_EQ(found["refund_id"], "RF-1");
  EXPECT_EQ(found["reused"], true);
  EXPECT_EQ(Documents("shopify.refunds"), 1);
  EXPECT_EQ(Stats()["duplicates"], 0);
  // Without the flag the adapter does not look and Shopify gets a second refund.
  input.erase("skip_if_matching_refund");
  ResultOf(executor.Execute(Call("shopify.create_refund", input, "third-key")));
  EXPECT_EQ(Documents("shopify.refunds"), 2);
  EXPECT_EQ(Stats()["duplicates"], 1);
}

TEST_F(AdaptersSimTest, RejectionIsPermanentWithTheDownstreamsMessage) {
  Faults(R"({"rules": [{"match": "POST /erp/sales-orders", "reject_rate": 1.0}]})");
  Outcome outcome = executor.Execute(
      Call("erp.create_sales_order", {{"lines", Lines()}}, "erp.create_sales_order:shop/5"));
  const auto* permanent = std::get_if<Permanent>(&outcome);
  ASSERT_NE(permanent, nullptr);
  EXPECT_EQ(permanent->error_class, "permanent");
  EXPECT_EQ(permanent->reason,
            "422 from ERP POST /erp/sales-orders: Unprocessable Content: simulated business "
            "rejection by erp");
}

TEST_F(AdaptersSimTest, CancelAfterShipIsAConflict) {
  Json wf = ResultOf(executor.Execute(
      Call("wms.create_fulfillment", {{"shipment_key", "shop/1/shipments/1"}, {"lines", Lines()}},
           "wms.create_fulfillment:shop/1/shipments/1")));
  const std::string id = wf["fulfillment_id"];
  ASSERT_EQ(
      service->Handle(http::MakeRequest("POST", "/sim/wms/fulfillments/" + id + "/ship")).status,
      200);
  Outcome outcome = executor.Execute(Call(
      "wms.cancel_fulfillment", {{"shipment_key", "shop/1/shipments/1"}, {"fulfillment_id", id}},
      "wms.cancel_fulfillment:shop/1/shipments/1"));
  const auto* permanent = std::get_if<Permanent>(&outcome);
  ASSERT_NE(permanent, nullptr);
  EXPECT_EQ(permanent->error_class, "conflict");
  EXPECT_NE(permanent->reason.find("409 from WMS POST /wms/fulfillments/WF-1/cancel"),
            std::string::npos)
      << permanent->reason;
  EXPECT_NE(permanent->reason.find("already shipped"), std::string::npos) << permanent->reason;
}

TEST_F(AdaptersSimTest, RateLimitHonoursRetryAfter) {
  Faults(R"({"rules": [{"match": "POST /erp", "rate_limit": {"per_s": 1, "retry_after_s": 2}}]})");
  ResultOf(executor.Execute(Call("erp.create_rma", {{"return_key", "r/1"}}, "erp.create_rma:r/1")));
  Outcome limited =
      executor.Execute(Call("erp.create_rma", {{"return_key", "r/2"}}, "erp.create_rma:r/2"));
  const auto* retry = std::get_if<RetryAfter>(&limited);
  ASSERT_NE(retry, nullptr);
  EXPECT_GE(retry->delay, 2s);
  EXPECT_NE(retry->error.find("429"), std::string::npos) << retry->error;
  EXPECT_EQ(Documents("erp.rmas"), 1);
}

TEST_F(AdaptersSimTest, OutageIsRetried) {
  Faults(R"({"rules": [{"match": "* /wms", "outage": {"start_in_s": 0, "duration_s": 60}}]})");
  Outcome outcome =
      executor.Execute(Call("wms.expect_return", {{"return_key", "r/1"}}, "wms.expect_return:r/1"));
  const auto* retry = std::get_if<RetryAfter>(&outcome);
  ASSERT_NE(retry, nullptr);
  EXPECT_EQ(retry->delay, 0ms);  // no Retry-After: the task's backoff policy decides
  EXPECT_NE(retry->error.find("503 from WMS POST /wms/returns/expected"), std::string::npos)
      << retry->error;
  EXPECT_EQ(Documents("wms.expected_returns"), 0);
}

TEST_F(AdaptersSimTest, ATimeoutPerDownstreamBoundsTheCall) {
  Faults(R"({"rules": [{"match": "POST /routing", "latency_ms": [1500, 1500]}]})");
  DownstreamConfig config = DownstreamConfig::AllAt(BaseUrl(*server));
  config.endpoints["routing"].timeout = 300ms;
  HttpExecutor fast(config);
  auto start = std::chrono::steady_clock::now();
  Outcome outcome =
      fast.Execute(Call("routing.assign", {{"lines", Lines()}}, "routing.assign:o/1"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1200ms);
  const auto* retry = std::get_if<RetryAfter>(&outcome);
  ASSERT_NE(retry, nullptr);
  EXPECT_NE(retry->error.find("read timeout"), std::string::npos) << retry->error;
}

TEST_F(AdaptersSimTest, MissingInputIsPermanentNamingTheFieldAndSendsNothing) {
  Outcome outcome = executor.Execute(Call("erp.cancel_sales_order",
                                          {{"order_id", "1"}, {"sales_order_id", nullptr}},
                                          "erp.cancel_sales_order:shop/1"));
  const auto* permanent = std::get_if<Permanent>(&outcome);
  ASSERT_NE(permanent, nullptr);
  EXPECT_EQ(permanent->reason, "erp.cancel_sales_order: missing input field sales_order_id");
  outcome =
      executor.Execute(Call("shopify.create_fulfillment",
                            {{"order_id", "1"}, {"shipment_key", "s"}, {"lines", Lines()}}, "k"));
  permanent = std::get_if<Permanent>(&outcome);
  ASSERT_NE(permanent, nullptr);
  EXPECT_NE(permanent->reason.find("shipment_seq"), std::string::npos) << permanent->reason;
  outcome = executor.Execute(Call("erp.issue_credit_memo", {{"amount", 1}}, "k2"));
  permanent = std::get_if<Permanent>(&outcome);
  ASSERT_NE(permanent, nullptr);
  EXPECT_NE(permanent->reason.find("return_key or refund_key"), std::string::npos);
  for (const auto& [route, count] : Stats()["requests"].items()) EXPECT_EQ(count, 0) << route;
}

TEST_F(AdaptersSimTest, UnknownActivityHasNoAdapter) {
  for (const char* activity : {"erp.teleport", "fax.send", "noprefix"}) {
    Outcome outcome = executor.Execute(Call(activity, {}, "k"));
    const auto* permanent = std::get_if<Permanent>(&outcome);
    ASSERT_NE(permanent, nullptr) << activity;
    EXPECT_EQ(permanent->reason, std::string("no adapter for ") + activity);
  }
}

TEST_F(AdaptersSimTest, ManyThreadsAtOnce) {
  constexpr int kThreads = 8, kEach = 15;
  std::vector<std::thread> threads;
  std::atomic<int> succeeded{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string order = std::to_string(t) + "-" + std::to_string(i);
        ActivityCall call =
            Call("erp.create_sales_order", {{"order_id", order}, {"lines", Lines()}},
                 "erp.create_sales_order:shop/" + order);
        if (std::holds_alternative<Succeeded>(executor.Execute(call))) ++succeeded;
        // Every call twice: the repeat must be answered from the key.
        if (std::holds_alternative<Succeeded>(executor.Execute(call))) ++succeeded;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(succeeded.load(), 2 * kThreads * kEach);
  EXPECT_EQ(Documents("erp.sales_orders"), kThreads * kEach);
  EXPECT_EQ(Stats()["idempotent_repeats"], kThreads * kEach);
  EXPECT_EQ(Stats()["duplicates"], 0);
  // Keep-alive: far fewer connections than calls.
  EXPECT_LE(executor.connections_opened(), 4 * kThreads);
}

TEST(AdaptersTransportTest, ConnectionRefusedIsRetried) {
  auto server = StartServer([](const http::HttpRequest&) { return http::JsonResponse(200, {}); });
  const std::string base = BaseUrl(*server);
  server->Stop();
  server.reset();
  HttpExecutor executor(DownstreamConfig::AllAt(base));
  Outcome outcome =
      executor.Execute(Call("erp.create_rma", {{"return_key", "r/1"}}, "erp.create_rma:r/1"));
  const auto* retry = std::get_if<RetryAfter>(&outcome);
  ASSERT_NE(retry, nullptr);
  EXPECT_NE(retry->error.find("connection refused by ERP POST /erp/rmas"), std::string::npos)
      << retry->error;
}

// What went over the wire, captured by a tiny server that answers like the downstream would.
struct Captured {
  std::mutex mu;
  std::vector<http::HttpRequest> requests;
  Json answer = {{"refunds", Json::array()}, {"refund_id", "RF-77"}};
  int status = 200;
};

TEST(AdaptersWireTest, HeadersAndBodyOnTheWire) {
  auto captured = std::make_shared<Captured>();
  auto server = StartServer([captured](const http::HttpRequest& req) {
    std::lock_guard lock(captured->mu);
    captured->requests.push_back(req);
    return http::JsonResponse(captured->status, captured->answer);
  });
  DownstreamConfig config = DownstreamConfig::AllAt(BaseUrl(*server) + "/api");
  config.endpoints["shopify"].token = "shpat_secret";
  HttpExecutor executor(config);
  Json input = {{"return_key", "shop/returns/1"},
                {"order_id", "gid://shopify/Order/5"},
                {"amount", {{"amount_minor", 100}, {"currency", "EUR"}}},
                {"skip_if_matching_refund", true}};
  Json result = ResultOf(executor.Execute(
      Call("shopify.create_refund", input, "shopify.create_refund:shop/returns/1", 3)));
  EXPECT_EQ(result["refund_id"], "RF-77");

  std::lock_guard lock(captured->mu);
  ASSERT_EQ(captured->requests.size(), 2u);
  const http::HttpRequest& list = captured->requests[0];
  EXPECT_EQ(list.method, "GET");
  EXPECT_EQ(list.target, "/api/shopify/refunds");
  EXPECT_EQ(list.Header("Idempotency-Key"), "");
  const http::HttpRequest& post = captured->requests[1];
  EXPECT_EQ(post.method, "POST");
  // The order id is one path segment, whatever it contains.
  EXPECT_EQ(post.target, "/api/shopify/orders/gid%3A%2F%2Fshopify%2FOrder%2F5/refunds");
  EXPECT_EQ(post.Header("Idempotency-Key"), "shopify.create_refund:shop/returns/1");
  EXPECT_EQ(post.Header("traceparent"),
            http::TraceParent("corr-1", "shopify.create_refund:shop/returns/1#3"));
  EXPECT_EQ(post.Header("Authorization"), "Bearer shpat_secret");
  EXPECT_EQ(post.Header("Content-Type"), "application/json");
  Json body = Json::parse(post.body);
  EXPECT_EQ(body["reference"], "shop/returns/1");
  EXPECT_EQ(body["amount"], input["amount"]);
  EXPECT_FALSE(body.contains("skip_if_matching_refund"));
}

TEST(AdaptersWireTest, TraceparentFallsBackToTheWorkflowIdAndOtherDownstreamsHaveNoToken) {
  auto captured = std::make_shared<Captured>();
  captured->answer = {{"sales_order_id", "SO-5"}};
  auto server = StartServer([captured](const http::HttpRequest& req) {
    std::lock_guard lock(captured->mu);
    captured->requests.push_back(req);
    return http::JsonResponse(captured->status, captured->answer);
  });
  DownstreamConfig config = DownstreamConfig::AllAt(BaseUrl(*server));
  config.endpoints["shopify"].token = "shpat_secret";
  HttpExecutor executor(config);
  ActivityCall call = Call("erp.create_sales_order", {{"lines", Lines()}}, "k:1");
  call.correlation_id.clear();
  ResultOf(executor.Execute(call));
  std::lock_guard lock(captured->mu);
  ASSERT_EQ(captured->requests.size(), 1u);
  EXPECT_EQ(captured->requests[0].Header("traceparent"), http::TraceParent("42", "k:1#1"));
  EXPECT_EQ(captured->requests[0].Header("Authorization"), "");
}

TEST(AdaptersWireTest, ASuccessWithoutTheFieldTheWorkflowReadsIsPermanent) {
  auto captured = std::make_shared<Captured>();
  captured->answer = {{"id", "SO-5"}};
  auto server = StartServer([captured](const http::HttpRequest&) {
    return http::JsonResponse(captured->status, captured->answer);
  });
  HttpExecutor executor(DownstreamConfig::AllAt(BaseUrl(*server)));
  Outcome outcome = executor.Execute(Call("erp.create_sales_order", {{"lines", Lines()}}, "k"));
  const auto* permanent = std::get_if<Permanent>(&outcome);
  ASSERT_NE(permanent, nullptr);
  EXPECT_NE(permanent->reason.find("200 from ERP POST /erp/sales-orders"), std::string::npos);
  EXPECT_NE(permanent->reason.find("has no sales_order_id"), std::string::npos)
      << permanent->reason;

  // A 500 is possibly-succeeded: retried, never permanent.
  captured->status = 500;
  outcome = executor.Execute(Call("erp.create_sales_order", {{"lines", Lines()}}, "k"));
  ASSERT_TRUE(std::holds_alternative<RetryAfter>(outcome));
}

std::optional<std::string> From(const std::map<std::string, std::string>& env,
                                const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

TEST(DownstreamConfigTest, FromEnvironmentWithDefaultsTokensAndTimeouts) {
  std::map<std::string, std::string> env = {{"O2C_ERP_URL", "http://erp.internal:9000/v2"},
                                            {"O2C_ERP_TOKEN", "t-erp"},
                                            {"O2C_WMS_URL", ""},
                                            {"O2C_SHOPIFY_TIMEOUT_MS", "2500"}};
  DownstreamConfig config = DownstreamConfig::FromEnvironment(
      "http://127.0.0.1:8090", [&](const std::string& n) { return From(env, n); });
  ASSERT_EQ(config.endpoints.size(), 4u);
  EXPECT_EQ(config.endpoints["erp"].base_url, "http://erp.internal:9000/v2");
  EXPECT_EQ(config.endpoints["erp"].token, "t-erp");
  EXPECT_EQ(config.endpoints["erp"].timeout, 10'000ms);
  EXPECT_EQ(config.endpoints["wms"].base_url, "http://127.0.0.1:8090");
  EXPECT_EQ(config.endpoints["routing"].base_url, "http://127.0.0.1:8090");
  EXPECT_EQ(config.endpoints["routing"].token, "");
  EXPECT_EQ(config.endpoints["shopify"].timeout, 2500ms);
}

TEST(DownstreamConfigTest, BadSettingsAreClearErrors) {
  auto expect_error = [](std::map<std::string, std::string> env, const std::string& fallback,
                         const std::string& needle) {
    try {
      DownstreamConfig::FromEnvironment(fallback,
                                        [&](const std::string& n) { return From(env, n); });
      ADD_FAILURE() << "no error for " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({{"O2C_ERP_URL", "erp.internal:9000"}}, "http://x:1", "O2C_ERP_URL must start");
  expect_error({{"O2C_WMS_URL", "http://:80"}}, "http://x:1", "O2C_WMS_URL: no host");
  expect_error({{"O2C_WMS_URL", "http://wms:99999"}}, "http://x:1", "bad port");
  expect_error({{"O2C_WMS_URL", "http://wms:"}}, "http://x:1", "empty port");
  expect_error({{"O2C_SHOPIFY_URL", "shop.example:443"}}, "http://x:1",
               "must start with http:// or https://");
  expect_error({{"O2C_ROUTING_URL", "http://r/x?y=1"}}, "http://x:1", "no spaces, query");
  expect_error({}, "", "O2C_ERP_URL is not set");
  expect_error({{"O2C_ERP_TIMEOUT_MS", "10s"}}, "http://x:1", "O2C_ERP_TIMEOUT_MS");
  expect_error({{"O2C_ERP_TIMEOUT_MS", "0"}}, "http://x:1", "O2C_ERP_TIMEOUT_MS must be > 0");
  EXPECT_THROW(HttpExecutor(DownstreamConfig::AllAt("ftp://x")), std::invalid_argument);
  EXPECT_NO_THROW(ValidateBaseUrl("http://[::1]:8090/prefix", "x"));
  EXPECT_NO_THROW(ValidateBaseUrl("http://localhost", "x"));
}

}  // namespace
}  // namespace o2c::activities
