// The simulators' idempotency lookup (sim_service.h): GET /<downstream>/idempotency/<key> answers
// the first answer recorded for the key, or 404; it reads only (no document, no repeat).
#include <gtest/gtest.h>

#include "activities/adapters/adapter.h"
#include "activities/sim/sim_service.h"

namespace o2c::sim {
namespace {

using Json = nlohmann::json;

constexpr const char* kKey = "erp.create_sales_order:demo.myshopify.com/1001";

struct SimLookupTest : ::testing::Test {
  SimService service{SimOptions{.seed = 3}};

  HttpResponse Post(const std::string& path, const Json& body, const std::string& key) {
    return service.Handle(http::MakeRequest("POST", path, {{"Idempotency-Key", key}}, body.dump()));
  }
  // The key percent-encoded into one segment, as HttpExecutor sends it.
  HttpResponse Lookup(const std::string& downstream, const std::string& key) {
    return service.Handle(http::MakeRequest(
        "GET", "/" + downstream + "/idempotency" + activities::adapters::PathSegment(key)));
  }
  void Faults(const std::string& json) { service.SetFaults(ParseFaultRules(Json::parse(json))); }
  Json Stats() { return service.Stats(); }
};

Json J(const HttpResponse& res) { return Json::parse(res.body); }

TEST_F(SimLookupTest, AnswersTheFirstRecordedAnswerForAKey) {
  HttpResponse created = Post("/erp/sales-orders", {{"reference", "demo/1001"}}, kKey);
  ASSERT_EQ(created.status, 200) << created.body;

  HttpResponse found = Lookup("erp", kKey);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(J(found), Json({{"idempotency_key", kKey},
                            {"method", "POST"},
                            {"path", "/erp/sales-orders"},
                            {"status", 200},
                            {"body", J(created)}}));
  EXPECT_EQ(J(found)["body"]["sales_order_id"], "SO-1");

  // Reads only: no document, no repeat; counted as a request of its own route.
  Json stats = Stats();
  EXPECT_EQ(stats["documents"]["erp.sales_orders"], 1);
  EXPECT_EQ(stats["idempotent_repeats"], 0);
  EXPECT_EQ(stats["requests"]["GET /erp/idempotency/{id}"], 1);
  EXPECT_EQ(stats["requests"]["POST /erp/sales-orders"], 1);
}

TEST_F(SimLookupTest, UnknownKeyIs404NamingIt) {
  HttpResponse missing = Lookup("erp", "erp.create_sales_order:nobody/1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(J(missing), Json({{"error",
                               "no call with idempotency key erp.create_sales_order:"
                               "nobody/1"}}));
}

TEST_F(SimLookupTest, EachDownstreamAnswersForItsOwnKeysOnly) {
  ASSERT_EQ(Post("/erp/sales-orders", {{"reference", "demo/1001"}}, kKey).status, 200);
  EXPECT_EQ(Lookup("wms", kKey).status, 404);
  EXPECT_EQ(Lookup("shopify", kKey).status, 404);
  ASSERT_EQ(
      Post("/wms/fulfillments", {{"shipment_id", "s-1"}}, "wms.create_fulfillment:s-1").status,
      200);
  HttpResponse wms = Lookup("wms", "wms.create_fulfillment:s-1");
  ASSERT_EQ(wms.status, 200);
  EXPECT_EQ(J(wms)["body"]["fulfillment_id"], "WF-1");
  EXPECT_EQ(Lookup("erp", "wms.create_fulfillment:s-1").status, 404);
}

TEST_F(SimLookupTest, AnAmbiguousCallIsFoundAlthoughItsAnswerWasLost) {
  Faults(R"({"rules": [{"match": "POST /erp/sales-orders", "ambiguous_rate": 1.0}]})");
  HttpResponse lost = Post("/erp/sales-orders", {{"reference", "demo/1001"}}, kKey);
  ASSERT_TRUE(lost.drop_connection);
  HttpResponse found = Lookup("erp", kKey);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(J(found)["status"], 200);
  EXPECT_EQ(J(found)["body"]["sales_order_id"], "SO-1");
  EXPECT_EQ(Stats()["faults_injected"]["ambiguous"], 1);
}

TEST_F(SimLookupTest, ARememberedRejectionIsAnsweredWithItsStatus) {
  Faults(R"({"rules": [{"match": "POST /erp/rmas", "reject_rate": 1.0}]})");
  ASSERT_EQ(Post("/erp/rmas", {{"return_key", "r/1"}}, "erp.create_rma:r/1").status, 422);
  HttpResponse found = Lookup("erp", "erp.create_rma:r/1");
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(J(found)["status"], 422);
  EXPECT_EQ(J(found)["body"]["error"], "rejected");
}

TEST_F(SimLookupTest, AnInjectedTransientFailureIsNotRememberedSoTheKeyIsAbsent) {
  Faults(R"({"rules": [{"match": "POST /erp/sales-orders", "error_rate": 1.0}]})");
  ASSERT_EQ(Post("/erp/sales-orders", {{"reference", "demo/1001"}}, kKey).status, 503);
  EXPECT_EQ(Lookup("erp", kKey).status, 404);
}

TEST_F(SimLookupTest, FaultRulesApplyToLookupsLikeAnyEndpoint) {
  ASSERT_EQ(Post("/erp/sales-orders", {{"reference", "demo/1001"}}, kKey).status, 200);
  Faults(
      R"({"rules": [{"match": "GET /erp/idempotency", "error_rate": 1.0, "error_status": 500}]})");
  EXPECT_EQ(Lookup("erp", kKey).status, 500);
  EXPECT_EQ(Lookup("wms", kKey).status, 404);  // the rule matches the ERP's lookups only
  EXPECT_EQ(Stats()["faults_injected"]["error"], 1);
}

TEST_F(SimLookupTest, AKeyWithAnEncodedSlashStaysOneSegment) {
  ASSERT_EQ(Post("/erp/sales-orders", {{"reference", "demo/1001"}}, kKey).status, 200);
  // Unencoded, the slash splits the path: no such endpoint, not a lookup of a shorter key.
  HttpResponse split =
      service.Handle(http::MakeRequest("GET", std::string("/erp/idempotency/") + kKey));
  EXPECT_EQ(split.status, 404);
  EXPECT_EQ(J(split)["error"], "not_found");
  // Existing routes still match their ids as before.
  HttpResponse cancel = Post("/erp/sales-orders/SO-1/cancel", Json::object(), "cancel:SO-1");
  EXPECT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(J(cancel)["status"], "cancelled");
}

}  // namespace
}  // namespace o2c::sim
