// POST /webhooks/shopify without sockets: every documented answer, and the inbox row, workflow
// and event each one leaves behind (in-memory store; the same paths run on Postgres in
// tests/e2e/webhooks.sh).
#include <gtest/gtest.h>

#include "engine/shopify_samples.h"
#include "tests/unit/ingest_test_support.h"

namespace o2c::testing {
namespace {

using samples::ShopifyOrderJson;
using samples::ShopifyRefundJson;
using samples::ShopifyReturnJson;

const std::string kOrderKey = std::string(kShop) + "/orders/1001";

class ShopifyIngestTest : public ::testing::Test {
 protected:
  http::HttpResponse Send(const http::HttpRequest& r) { return h_.shopify.Handle(r); }
  http::HttpResponse SendOrder(const std::string& topic, const std::string& id,
                               long long order_id = 1001) {
    return Send(ShopifyRequest(topic, ShopifyOrderJson(order_id).dump(), id));
  }
  // The one inbox row a rejected delivery left, checked against the answer.
  InboxRecord ExpectRejected(const http::HttpResponse& r, int status, const std::string& code,
                             const std::string& verdict) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(BodyOf(r)["error"], code) << r.body;
    auto inbox = h_.Inbox();
    EXPECT_EQ(inbox.size(), 1u);
    if (inbox.empty()) return {};
    EXPECT_EQ(inbox[0].delivery.verdict, verdict);
    EXPECT_EQ(inbox[0].delivery.reason, BodyOf(r)["message"].get<std::string>());
    EXPECT_FALSE(inbox[0].delivery.workflow_id);
    EXPECT_FALSE(h_.store->FindWorkflow("order", kOrderKey)) << "a rejected delivery acted";
    return inbox[0];
  }

  WebhookHarness h_;
};

TEST_F(ShopifyIngestTest, AValidOrderStartsTheOrderWorkflowInTheSameCommit) {
  auto r = SendOrder("orders/create", "wh-1");
  ASSERT_EQ(r.status, 200) << r.body;
  auto w = h_.store->FindWorkflow("order", kOrderKey);
  ASSERT_TRUE(w);
  EXPECT_EQ(BodyOf(r), (Json{{"status", "accepted"}, {"workflow_id", w->id}}));
  auto events = h_.store->PendingEvents(w->id, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "order_received");
  EXPECT_EQ(events[0].source, "webhook:shopify");
  EXPECT_EQ(events[0].payload["order"]["id"], "1001");
  EXPECT_EQ(events[0].payload["order"]["lines"].size(), 1u);
  EXPECT_FALSE(events[0].payload["order"].contains("email")) << "PII must be hashed";
  auto inbox = h_.Inbox();
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].delivery.verdict, "accepted");
  EXPECT_EQ(inbox[0].delivery.delivery_id, "wh-1");
  EXPECT_EQ(inbox[0].delivery.topic, "orders/create");
  EXPECT_EQ(inbox[0].delivery.shop, kShop);
  EXPECT_EQ(inbox[0].delivery.workflow_id, w->id);
  EXPECT_EQ(inbox[0].delivery.triggered_at, "2026-11-22T10:00:00Z");
  EXPECT_EQ(inbox[0].delivery.body, ShopifyOrderJson(1001).dump());
}

TEST_F(ShopifyIngestTest, ARepeatedDeliveryAnswersDuplicateAndChangesNothing) {
  auto first = SendOrder("orders/create", "wh-1");
  auto again = SendOrder("orders/create", "wh-1");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(BodyOf(again)["status"], "duplicate");
  EXPECT_EQ(BodyOf(again)["workflow_id"], BodyOf(first)["workflow_id"]);
  EXPECT_EQ(h_.Inbox().size(), 1u);
  EXPECT_EQ(h_.store->PendingEvents(BodyOf(first)["workflow_id"].get<WorkflowId>(), 10).size(), 1u);
}

TEST_F(ShopifyIngestTest, BothKeysOfARotationAreAccepted) {
  auto body = ShopifyOrderJson(1001).dump();
  EXPECT_EQ(Send(ShopifyRequest("orders/create", body, "wh-new", kShopifyKey)).status, 200);
  EXPECT_EQ(Send(ShopifyRequest("orders/updated", body, "wh-old", kOldShopifyKey)).status, 200);
  EXPECT_EQ(Send(ShopifyRequest("orders/paid", body, "wh-other", "some-other-key")).status, 401);
}

TEST_F(ShopifyIngestTest, ABadSignatureIs401AndKeptWithoutItsDeliveryId) {
  auto r = Send(ShopifyRequest("orders/create", ShopifyOrderJson(1001).dump(), "wh-1", "wrong"));
  auto row = ExpectRejected(r, 401, "invalid_signature", "unauthorized");
  EXPECT_FALSE(row.delivery.delivery_id) << "a forged id must not block the real delivery";
  EXPECT_EQ(row.delivery.body, ShopifyOrderJson(1001).dump());
  EXPECT_NE(row.delivery.reason->find("X-Shopify-Hmac-Sha256"), std::string::npos);
  // The real delivery with the same id then goes through.
  EXPECT_EQ(BodyOf(SendOrder("orders/create", "wh-1"))["status"], "accepted");
}

TEST_F(ShopifyIngestTest, AMissingSignatureIs401) {
  auto req = ShopifyRequest("orders/create", ShopifyOrderJson(1001).dump(), "wh-1");
  req.headers.erase("X-Shopify-Hmac-Sha256");
  auto row = ExpectRejected(Send(req), 401, "missing_signature", "unauthorized");
  EXPECT_NE(row.delivery.reason->find("X-Shopify-Hmac-Sha256"), std::string::npos);
}

TEST_F(ShopifyIngestTest, AMissingHeaderIs400NamingIt) {
  for (const char* header : {"X-Shopify-Webhook-Id", "X-Shopify-Topic", "X-Shopify-Shop-Domain"}) {
    WebhookHarness fresh;
    auto req = ShopifyRequest("orders/create", ShopifyOrderJson(1001).dump(), "wh-1");
    req.headers.erase(header);
    auto r = fresh.shopify.Handle(req);
    EXPECT_EQ(r.status, 400) << header;
    EXPECT_EQ(BodyOf(r)["error"], "missing_header");
    EXPECT_NE(BodyOf(r)["message"].get<std::string>().find(header), std::string::npos) << r.body;
    auto inbox = fresh.Inbox();
    ASSERT_EQ(inbox.size(), 1u);
    EXPECT_EQ(inbox[0].delivery.verdict, "rejected");
    EXPECT_EQ(inbox[0].delivery.reason, BodyOf(r)["message"]);
  }
}

TEST_F(ShopifyIngestTest, TruncatedJsonIs400AndTheBodyIsKept) {
  std::string body = ShopifyOrderJson(1001).dump();
  body.resize(body.size() / 2);
  auto row = ExpectRejected(Send(ShopifyRequest("orders/create", body, "wh-1")), 400,
                            "malformed_json", "rejected");
  EXPECT_NE(row.delivery.reason->find("truncated"), std::string::npos) << *row.delivery.reason;
  EXPECT_EQ(row.delivery.body, body);
  EXPECT_EQ(row.delivery.delivery_id, "wh-1");
}

TEST_F(ShopifyIngestTest, NonJsonIs400) {
  std::string body = "order=1001&total=403.00\xff";
  auto row = ExpectRejected(Send(ShopifyRequest("orders/create", body, "wh-1")), 400,
                            "malformed_json", "rejected");
  EXPECT_EQ(row.delivery.body, body);
  auto array = Send(ShopifyRequest("orders/create", "[1, 2]", "wh-2"));
  EXPECT_EQ(array.status, 400);
  EXPECT_EQ(BodyOf(array)["error"], "not_an_object");
}

TEST_F(ShopifyIngestTest, DeeplyNestedJsonIs400BeforeParsing) {
  std::string body = std::string(100'000, '[') + std::string(100'000, ']');
  auto row = ExpectRejected(Send(ShopifyRequest("orders/create", body, "wh-1")), 400,
                            "json_too_deep", "rejected");
  EXPECT_NE(row.delivery.reason->find("64"), std::string::npos);
}

TEST_F(ShopifyIngestTest, APayloadThatDoesNotMapIs400NamingTheField) {
  Json order = ShopifyOrderJson(1001);
  order["line_items"][0]["quantity"] = 0;
  auto row = ExpectRejected(Send(ShopifyRequest("orders/create", order.dump(), "wh-1")), 400,
                            "invalid_payload", "rejected");
  EXPECT_NE(row.delivery.reason->find("line_items[0].quantity"), std::string::npos)
      << *row.delivery.reason;
  order["line_items"][0]["quantity"] = 1;
  order["id"] = "10/../01";
  EXPECT_EQ(BodyOf(Send(ShopifyRequest("orders/create", order.dump(), "wh-2")))["error"],
            "invalid_payload");
}

TEST_F(ShopifyIngestTest, AnUnknownTopicIs422KeptAndNotActedOn) {
  auto row = ExpectRejected(Send(ShopifyRequest("customers/create", "{\"id\": 1}", "wh-1")), 422,
                            "unknown_topic", "unknown_topic");
  EXPECT_EQ(row.delivery.topic, "customers/create");
  EXPECT_NE(row.delivery.reason->find("orders/create"), std::string::npos);
}

TEST_F(ShopifyIngestTest, ARepeatOfARejectedDeliveryAnswersDuplicateWithItsVerdict) {
  auto first = Send(ShopifyRequest("orders/create", "{oops", "wh-1"));
  ASSERT_EQ(first.status, 400);
  auto again = Send(ShopifyRequest("orders/create", "{oops", "wh-1"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(BodyOf(again)["status"], "duplicate");
  EXPECT_EQ(BodyOf(again)["first_verdict"], "rejected");
  EXPECT_EQ(h_.Inbox().size(), 1u);
}

TEST_F(ShopifyIngestTest, ReturnsAndRefundsStartTheirWorkflowsKnowingTheOrder) {
  auto r =
      Send(ShopifyRequest("returns/request", ShopifyReturnJson(5001, 1001, 10011).dump(), "wh-r"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto ret = h_.store->FindWorkflow("return", std::string(kShop) + "/returns/5001");
  ASSERT_TRUE(ret);
  EXPECT_EQ(ret->context["order_business_key"], kOrderKey);
  EXPECT_EQ(h_.store->PendingEvents(ret->id, 10).at(0).event, "return_requested");

  auto f =
      Send(ShopifyRequest("refunds/create", ShopifyRefundJson(7001, 1001, "25.00").dump(), "wh-f"));
  ASSERT_EQ(f.status, 200) << f.body;
  auto refund = h_.store->FindWorkflow("refund", std::string(kShop) + "/refunds/7001");
  ASSERT_TRUE(refund);
  EXPECT_EQ(refund->context["order_business_key"], kOrderKey);
  auto event = h_.store->PendingEvents(refund->id, 10).at(0);
  EXPECT_EQ(event.event, "refund_recorded");
  EXPECT_EQ(event.payload["refund"]["amount"]["amount_minor"], 2500);
}

TEST_F(ShopifyIngestTest, ARefundOurReturnCreatedStartsNoRefundWorkflow) {
  NewWorkflow ret;
  ret.type = "return";
  ret.business_key = std::string(kShop) + "/returns/5001";
  auto w = h_.store->CreateWorkflow(ret, h_.clock.Now()).workflow;
  StepCommit s;
  s.workflow_id = w.id;
  s.state = "closed";
  s.status = "closed";
  s.context = {{"business_key", ret.business_key}, {"refund_id", "7001"}};
  s.transitions.push_back({"refunding", "refund_created", "closed"});
  ASSERT_TRUE(std::holds_alternative<Committed>(h_.store->CommitStep(s, h_.clock.Now())));

  auto r =
      Send(ShopifyRequest("refunds/create", ShopifyRefundJson(7001, 1001, "25.00").dump(), "wh-f"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyOf(r)["status"], "accepted");
  EXPECT_EQ(BodyOf(r)["workflow_id"], w.id);
  EXPECT_FALSE(h_.store->FindWorkflow("refund", std::string(kShop) + "/refunds/7001"));
  auto inbox = h_.Inbox();
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].delivery.verdict, "accepted");
  EXPECT_EQ(inbox[0].delivery.workflow_id, w.id);
  EXPECT_NE(inbox[0].delivery.reason->find("no refund workflow"), std::string::npos);
}

TEST_F(ShopifyIngestTest, AnUnreachableDatabaseIs503AndNothingIsClaimed) {
  ingest::StorePool down(
      []() -> std::shared_ptr<WorkflowStore> {
        throw StoreError("connect: connection refused", "08001");
      },
      2);
  ingest::ShopifyWebhookHandler handler(down, h_.clock, {kShopifyKey});
  auto r = handler.Handle(ShopifyRequest("orders/create", ShopifyOrderJson(1).dump(), "wh-1"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(BodyOf(r)["error"], "unavailable");
  EXPECT_EQ(r.headers["Retry-After"], "5");
}

TEST_F(ShopifyIngestTest, HeaderBytesThatAreNotTextAreStoredSafely) {
  auto req = ShopifyRequest("orders/\xff\x01", "{}", std::string("wh-\xfe", 4));
  auto r = Send(req);
  EXPECT_EQ(r.status, 422);
  EXPECT_NO_THROW(BodyOf(r));
  auto inbox = h_.Inbox();
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].delivery.topic, "orders/??");
  EXPECT_EQ(inbox[0].delivery.delivery_id, "wh-?");
}

}  // namespace
}  // namespace o2c::testing
