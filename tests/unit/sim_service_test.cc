#include "activities/sim/sim_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

namespace o2c::sim {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

// A service on a fake clock whose sleeps only advance that clock.
struct Fixture {
  std::shared_ptr<WallTime> now = std::make_shared<WallTime>(std::chrono::seconds(1'700'000'000));
  std::shared_ptr<std::vector<milliseconds>> sleeps = std::make_shared<std::vector<milliseconds>>();
  SimService service;

  explicit Fixture(uint64_t seed = 7)
      : service(SimOptions{.seed = seed,
                           .timeout_delay = milliseconds(30'000),
                           .now = [n = now] { return *n; },
                           .sleep =
                               [n = now, s = sleeps](milliseconds d) {
                                 s->push_back(d);
                                 *n += d;
                               }}) {}

  HttpResponse Post(const std::string& path, const Json& body, const std::string& key = "") {
    http::HeaderMap headers;
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return service.Handle(http::MakeRequest("POST", path, headers, body.dump()));
  }
  HttpResponse Get(const std::string& target) {
    return service.Handle(http::MakeRequest("GET", target));
  }
  void Faults(const std::string& json) {
    ASSERT_EQ(service.Handle(http::MakeRequest("POST", "/sim/faults", {}, json)).status, 200);
  }
  void Advance(milliseconds d) { *now += d; }
};

Json J(const HttpResponse& res) { return Json::parse(res.body); }

TEST(SimServiceTest, ErpResolveItemsAndRouting) {
  Fixture f;
  Json lines = Json::array({{{"sku", "A"}}, {{"sku", "UNMAPPED-1"}}, {{"sku", "B"}}});
  HttpResponse res = f.Post("/erp/items/resolve", {{"lines", lines}});
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(J(res)["items"], Json({{"A", "ITEM-A"}, {"B", "ITEM-B"}}));
  EXPECT_EQ(J(res)["unmapped"], Json::array({"UNMAPPED-1"}));

  Json alloc = J(f.Post("/routing/assign", {{"lines", Json::array({1, 2})}}))["allocations"];
  ASSERT_EQ(alloc.size(), 1u);
  EXPECT_EQ(alloc[0]["location"], "WH-1");
  alloc = J(f.Post("/routing/assign", {{"lines", lines}}))["allocations"];
  ASSERT_EQ(alloc.size(), 2u);
  EXPECT_EQ(alloc[0]["lines"].size() + alloc[1]["lines"].size(), 3u);
  EXPECT_EQ(alloc[1]["location"], "WH-2");
}

TEST(SimServiceTest, DocumentsAndTheirStates) {
  Fixture f;
  EXPECT_EQ(J(f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "k1"))["sales_order_id"], "SO-1");
  EXPECT_EQ(J(f.Post("/erp/sales-orders/SO-1/cancel", {}, "k2"))["status"], "cancelled");
  EXPECT_EQ(f.Post("/erp/sales-orders/SO-9/cancel", {}, "k3").status, 404);
  EXPECT_EQ(J(f.Post("/erp/invoices", {{"sales_order_id", "SO-1"}}, "k4"))["invoice_id"], "INV-1");
  EXPECT_EQ(J(f.Post("/erp/rmas", {{"return_id", "r1"}}, "k5"))["rma_id"], "RMA-1");
  EXPECT_EQ(J(f.Post("/erp/rmas", {{"return_id", "r2"}}, "k6"))["rma_id"], "RMA-2");
  EXPECT_EQ(f.Post("/erp/rmas/RMA-1/close", {}, "k7").status, 200);
  EXPECT_EQ(f.Post("/erp/rmas/RMA-1/cancel", {}, "k8").status, 409);
  EXPECT_EQ(f.Post("/erp/rmas/RMA-2/cancel", {}, "k9").status, 200);
  EXPECT_EQ(f.Post("/erp/rmas/RMA-2/close", {}, "k10").status, 409);
  EXPECT_EQ(J(f.Post("/erp/credit-memos", {{"refund_id", "rf1"}, {"amount", "5.00"}},
                     "k11"))["credit_memo_id"],
            "CM-1");
  EXPECT_EQ(J(f.Post("/erp/credit-memos/CM-1/void", {}, "k12"))["status"], "voided");
  EXPECT_EQ(f.Post("/erp/credit-memos/SO-1/void", {}, "k13").status, 404);  // wrong kind

  EXPECT_EQ(J(f.Post("/wms/fulfillments", {{"shipment_id", "s1"}}, "k14"))["fulfillment_id"],
            "WF-1");
  EXPECT_EQ(J(f.Post("/wms/fulfillments", {{"shipment_id", "s2"}}, "k15"))["fulfillment_id"],
            "WF-2");
  EXPECT_EQ(f.Post("/wms/fulfillments/WF-1/cancel", {}, "k16").status, 200);
  EXPECT_EQ(f.Post("/sim/wms/fulfillments/WF-2/ship", {}).status, 200);
  EXPECT_EQ(f.Post("/wms/fulfillments/WF-2/cancel", {}, "k17").status, 409);
  EXPECT_EQ(f.Post("/wms/returns/expected", {{"return_id", "r1"}}, "k18").status, 200);

  EXPECT_EQ(J(f.Post("/shopify/orders/1001/fulfillments", {{"shipment_id", "s1"}},
                     "k19"))["fulfillment_id"],
            "SF-1");
  EXPECT_EQ(J(f.Post("/shopify/orders/1001/refunds", {{"return_id", "r1"}}, "k20"))["refund_id"],
            "RF-1");

  Json refunds = J(f.Get("/shopify/refunds?since=0"))["refunds"];
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(refunds[0]["id"], "RF-1");
  EXPECT_EQ(refunds[0]["order_id"], "1001");
  Json memos = J(f.Get("/erp/credit-memos"))["credit_memos"];
  ASSERT_EQ(memos.size(), 1u);
  EXPECT_EQ(memos[0]["status"], "voided");
  EXPECT_EQ(memos[0]["amount"], "5.00");
  EXPECT_EQ(J(f.Get("/erp/credit-memos?since=2100-01-01T00:00:00Z"))["credit_memos"].size(), 0u);
  EXPECT_EQ(f.Get("/erp/credit-memos?since=yesterday").status, 400);

  Json stats = f.service.Stats();
  EXPECT_EQ(stats["documents"]["erp.sales_orders"], 1);
  EXPECT_EQ(stats["documents"]["erp.rmas"], 2);
  EXPECT_EQ(stats["documents"]["wms.fulfillments"], 2);
  EXPECT_EQ(stats["documents"]["shopify.refunds"], 1);
  EXPECT_EQ(stats["duplicates"], 0);
  EXPECT_EQ(stats["idempotent_repeats"], 0);
}

TEST(SimServiceTest, StatsHaveTheDocumentedKeys) {
  Fixture f;
  Json stats = J(f.Get("/sim/stats"));
  for (const char* kind : {"erp.sales_orders", "erp.invoices", "erp.rmas", "erp.credit_memos",
                           "wms.fulfillments", "shopify.fulfillments", "shopify.refunds"})
    EXPECT_EQ(stats["documents"][kind], 0) << kind;
  EXPECT_EQ(stats["idempotent_repeats"], 0);
  EXPECT_EQ(stats["duplicates"], 0);
  EXPECT_EQ(stats["requests"]["POST /erp/sales-orders"], 0);
  EXPECT_EQ(stats["requests"]["POST /shopify/orders/{id}/refunds"], 0);
  for (const char* d : {"erp", "routing", "wms", "shopify"})
    EXPECT_EQ(stats["peak_rate_per_s"][d], 0) << d;
}

TEST(SimServiceTest, IdempotencyRepeatConflictAndMissingKey) {
  Fixture f;
  HttpResponse first = f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "key-1");
  HttpResponse again = f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "key-1");
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.body, first.body);
  HttpResponse conflict = f.Post("/erp/sales-orders", {{"order_id", "o2"}}, "key-1");
  EXPECT_EQ(conflict.status, 422);
  EXPECT_EQ(J(conflict)["error"], "idempotency_conflict");
  HttpResponse missing = f.Post("/erp/sales-orders", {{"order_id", "o3"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(J(missing)["error"], "missing_idempotency_key");
  // Reads need no key.
  EXPECT_EQ(f.Post("/erp/items/resolve", {{"lines", Json::array()}}).status, 200);

  Json stats = f.service.Stats();
  EXPECT_EQ(stats["documents"]["erp.sales_orders"], 1);
  EXPECT_EQ(stats["idempotent_repeats"], 1);
  EXPECT_EQ(stats["duplicates"], 0);
  EXPECT_EQ(stats["requests"]["POST /erp/sales-orders"], 4);
}

TEST(SimServiceTest, SecondDocumentForTheSameReferenceIsADuplicate) {
  Fixture f;
  f.Post("/erp/sales-orders", {{"shop", "s"}, {"order_id", "o1"}}, "a");
  f.Post("/erp/sales-orders", {{"shop", "s"}, {"order_id", "o1"}, {"retry", 1}}, "b");
  f.Post("/erp/sales-orders", {{"shop", "t"}, {"order_id", "o1"}}, "c");  // another shop
  Json stats = f.service.Stats();
  EXPECT_EQ(stats["documents"]["erp.sales_orders"], 3);
  EXPECT_EQ(stats["duplicates"], 1);
}

TEST(SimServiceTest, UnknownPathsAndMethods) {
  Fixture f;
  EXPECT_EQ(f.Get("/erp/nothing").status, 404);
  EXPECT_EQ(f.Get("/erp/sales-orders").status, 405);
  EXPECT_EQ(f.service
                .Handle(http::MakeRequest("POST", "/erp/invoices", {{"Idempotency-Key", "x"}},
                                          "not json"))
                .status,
            400);
}

TEST(SimServiceTest, FaultsEndpointReplacesReturnsAndClears) {
  Fixture f;
  f.Faults(R"({"rules": [{"match": "POST /erp", "error_rate": 1}]})");
  EXPECT_EQ(J(f.Get("/sim/faults"))["rules"].size(), 1u);
  f.Faults(R"({"rules": [{"match": "*"}, {"match": "GET /shopify"}]})");
  EXPECT_EQ(J(f.Get("/sim/faults"))["rules"].size(), 2u);
  EXPECT_EQ(f.service.Handle(http::MakeRequest("DELETE", "/sim/faults")).status, 200);
  EXPECT_EQ(J(f.Get("/sim/faults"))["rules"].size(), 0u);
  EXPECT_EQ(f.service.Handle(http::MakeRequest("POST", "/sim/faults", {}, "{bad")).status, 400);
}

TEST(SimServiceTest, ErrorRateIsNotRememberedSoARetrySucceeds) {
  Fixture f;
  f.Faults(
      R"({"rules": [{"match": "POST /erp/sales-orders", "error_rate": 1, "error_status": 502}]})");
  EXPECT_EQ(f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "k").status, 502);
  EXPECT_EQ(f.Post("/erp/invoices", {{"sales_order_id", "SO-1"}}, "i").status, 200);  // no match
  f.service.SetFaults({});
  EXPECT_EQ(f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "k").status, 200);
  EXPECT_EQ(f.service.Stats()["faults_injected"]["error"], 1);
}

TEST(SimServiceTest, SeededErrorRateIsReproducible) {
  auto run = [](uint64_t seed) {
    Fixture f(seed);
    f.Faults(R"({"rules": [{"match": "*", "error_rate": 0.5}]})");
    std::string outcomes;
    for (int i = 0; i < 64; ++i)
      outcomes += f.Post("/erp/items/resolve", Json::object()).status == 200 ? '.' : 'x';
    return outcomes;
  };
  std::string a = run(42);
  EXPECT_EQ(a, run(42));
  EXPECT_NE(a.find('x'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

TEST(SimServiceTest, LatencyAndTimeoutSleep) {
  Fixture f;
  f.Faults(R"({"rules": [{"match": "POST /routing", "latency_ms": [20, 20]}]})");
  EXPECT_EQ(f.Post("/routing/assign", Json::object()).status, 200);
  ASSERT_EQ(f.sleeps->size(), 1u);
  EXPECT_EQ((*f.sleeps)[0], milliseconds(20));

  f.Faults(R"({"rules": [{"match": "POST /erp", "timeout_rate": 1}]})");
  HttpResponse late = f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "k");
  EXPECT_EQ(late.status, 200);  // answered, but after the client gave up
  ASSERT_EQ(f.sleeps->size(), 2u);
  EXPECT_EQ((*f.sleeps)[1], milliseconds(30'000));
  EXPECT_EQ(f.service.Stats()["documents"]["erp.sales_orders"], 1);
}

TEST(SimServiceTest, AmbiguousCreatesTheDocumentButLosesTheAnswer) {
  Fixture f;
  f.Faults(R"({"rules": [{"match": "POST /erp/sales-orders", "ambiguous_rate": 1}]})");
  HttpResponse lost = f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "k");
  EXPECT_TRUE(lost.drop_connection);
  EXPECT_EQ(lost.status, 503);
  f.service.SetFaults({});
  HttpResponse retry = f.Post("/erp/sales-orders", {{"order_id", "o1"}}, "k");
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(J(retry)["sales_order_id"], "SO-1");
  Json stats = f.service.Stats();
  EXPECT_EQ(stats["documents"]["erp.sales_orders"], 1);
  EXPECT_EQ(stats["idempotent_repeats"], 1);
  EXPECT_EQ(stats["duplicates"], 0);
}

TEST(SimServiceTest, RejectIsAPermanentRememberedAnswer) {
  Fixture f;
  f.Faults(R"({"rules": [{"match": "POST /wms/fulfillments", "reject_rate": 1}]})");
  HttpResponse res = f.Post("/wms/fulfillments", {{"shipment_id", "s1"}}, "k");
  EXPECT_EQ(res.status, 422);
  EXPECT_EQ(J(res)["error"], "rejected");
  f.service.SetFaults({});
  EXPECT_EQ(f.Post("/wms/fulfillments", {{"shipment_id", "s1"}}, "k").body, res.body);
  EXPECT_EQ(f.service.Stats()["documents"]["wms.fulfillments"], 0);
}

TEST(SimServiceTest, OutageWindow) {
  Fixture f;
  f.Faults(R"({"rules": [{"match": "* /erp", "outage": {"start_in_s": 10, "duration_s": 5}}]})");
  EXPECT_EQ(f.Get("/erp/credit-memos").status, 200);
  f.Advance(milliseconds(10'000));
  HttpResponse down = f.Get("/erp/credit-memos");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(J(down)["error"], "outage");
  EXPECT_EQ(f.Get("/shopify/refunds").status, 200);  // another downstream
  f.Advance(milliseconds(5'000));
  EXPECT_EQ(f.Get("/erp/credit-memos").status, 200);
}

TEST(SimServiceTest, RateLimitAnswers429AndBoundsThePeak) {
  Fixture f;
  f.Faults(
      R"({"rules": [{"match": "POST /erp", "rate_limit": {"per_s": 10, "retry_after_s": 2}}]})");
  int ok = 0, limited = 0;
  // 100 calls in one second, every 10 ms.
  for (int i = 0; i < 100; ++i) {
    HttpResponse res = f.Post("/erp/items/resolve", Json::object());
    if (res.status == 200) ++ok;
    if (res.status == 429) {
      ++limited;
      EXPECT_EQ(res.headers.at("Retry-After"), "2");
    }
    f.Advance(milliseconds(10));
  }
  EXPECT_EQ(ok + limited, 100);
  EXPECT_LE(ok, 10);
  EXPECT_GE(ok, 9);
  Json stats = f.service.Stats();
  EXPECT_LE(stats["peak_rate_per_s"]["erp"].get<int>(), 10);
  EXPECT_GE(stats["peak_rate_per_s"]["erp"].get<int>(), 9);
  EXPECT_EQ(stats["faults_injected"]["rate_limited"], limited);
  // Without a limit, the peak is what the client sent.
  for (int i = 0; i < 30; ++i) f.Post("/routing/assign", Json::object());
  EXPECT_EQ(f.service.Stats()["peak_rate_per_s"]["routing"], 30);
}

}  // namespace
}  // namespace o2c::sim
