// POST /webhooks/wms without sockets, and the router of `o2c serve`.
#include <gtest/gtest.h>

#include "engine/ingest/router.h"
#include "tests/unit/ingest_test_support.h"

namespace o2c::testing {
namespace {

const std::string kShipmentKey = std::string(kShop) + "/orders/1001/shipments/1";
const std::string kReturnKey = std::string(kShop) + "/returns/5001";

class WmsIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [type, key] :
         {std::pair{"shipment", kShipmentKey}, std::pair{"return", kReturnKey}}) {
      NewWorkflow w;
      w.type = type;
      w.business_key = key;
      ids_[type] = h_.store->CreateWorkflow(w, h_.clock.Now()).workflow.id;
    }
  }
  static Json Fulfillment(const std::string& topic, const std::string& id) {
    Json body = {{"id", id},
                 {"topic", topic},
                 {"occurred_at", "2026-11-22T10:00:00Z"},
                 {"fulfillment_id", "F-1"},
                 {"shipment_key", kShipmentKey}};
    if (topic == "fulfillment.shipped") {
      body["lines"] = {{{"line_id", "10011"}, {"sku", "IPOD2008PINK"}, {"quantity", 1}}};
      body["carrier"] = "UPS";
      body["tracking_number"] = "1Z999AA10123456784";
    }
    return body;
  }
  static Json Return(const std::string& topic, const std::string& id) {
    Json body = {{"id", id},
                 {"topic", topic},
                 {"occurred_at", "2026-11-22T10:00:00Z"},
                 {"expected_return_id", "ER-1"},
                 {"return_key", kReturnKey},
                 {"lines", {{{"line_item_id", "10011"}, {"quantity", 1}}}}};
    if (topic == "return.inspected") body["disposition"] = "restock";
    return body;
  }
  http::HttpResponse Send(const std::string& topic, const Json& body, const std::string& id) {
    return h_.wms.Handle(WmsRequest(topic, body, id));
  }
  std::vector<EventRecord> Events(const char* type) {
    return h_.store->PendingEvents(ids_[type], 10);
  }

  WebhookHarness h_;
  std::map<std::string, WorkflowId> ids_;
};

TEST_F(WmsIngestTest, FulfillmentProgressSignalsTheShipment) {
  for (auto [topic, event] :
       {std::pair{"fulfillment.picked", "picked"}, std::pair{"fulfillment.packed", "packed"},
        std::pair{"fulfillment.shipped", "shipped"}}) {
    std::string id = std::string("ev-") + event;
    auto r = Send(topic, Fulfillment(topic, id), id);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(BodyOf(r), (Json{{"status", "accepted"}, {"workflow_id", ids_["shipment"]}}));
    EXPECT_EQ(Events("shipment").back().event, event);
    EXPECT_EQ(Events("shipment").back().source, "webhook:wms");
  }
  const Json shipped = Events("shipment").back().payload;
  EXPECT_EQ(shipped["carrier"], "UPS");
  EXPECT_EQ(shipped["tracking_number"], "1Z999AA10123456784");
  EXPECT_EQ(shipped["lines"][0]["quantity"], 1);
  EXPECT_EQ(shipped["fulfillment_id"], "F-1");
  EXPECT_EQ(shipped["wms_event_id"], "ev-shipped");
  auto inbox = h_.Inbox();
  ASSERT_EQ(inbox.size(), 3u);
  EXPECT_EQ(inbox[0].delivery.source, "wms");
  EXPECT_EQ(inbox[0].delivery.delivery_id, "ev-shipped");
  EXPECT_EQ(inbox[0].delivery.workflow_id, ids_["shipment"]);
  // The WMS retries with the same event id: a duplicate, nothing new.
  auto again =
      Send("fulfillment.shipped", Fulfillment("fulfillment.shipped", "ev-shipped"), "ev-shipped");
  EXPECT_EQ(BodyOf(again)["status"], "duplicate");
  EXPECT_EQ(Events("shipment").size(), 3u);
}

TEST_F(WmsIngestTest, DeliveredIsRecordedWithoutAnEvent) {
  auto r = Send("fulfillment.delivered", Fulfillment("fulfillment.delivered", "ev-d"), "ev-d");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyOf(r)["workflow_id"], ids_["shipment"]);
  EXPECT_TRUE(Events("shipment").empty());
  EXPECT_EQ(h_.Inbox().at(0).delivery.workflow_id, ids_["shipment"]);
}

TEST_F(WmsIngestTest, ReturnProgressSignalsTheReturn) {
  ASSERT_EQ(Send("return.received", Return("return.received", "ev-r"), "ev-r").status, 200);
  ASSERT_EQ(Send("return.inspected", Return("return.inspected", "ev-i"), "ev-i").status, 200);
  auto events = Events("return");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "received");
  EXPECT_EQ(events[0].payload["lines"][0]["line_item_id"], "10011");
  EXPECT_EQ(events[1].event, "inspected");
  EXPECT_EQ(events[1].payload["disposition"], "restock");
  EXPECT_EQ(events[1].payload["expected_return_id"], "ER-1");
}

TEST_F(WmsIngestTest, AnUnknownShipmentIs422RecordedRejected) {
  Json body = Fulfillment("fulfillment.picked", "ev-1");
  body["shipment_key"] = "shop.myshopify.com/orders/404/shipments/1";
  auto r = Send("fulfillment.picked", body, "ev-1");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r)["error"], "unknown_shipment");
  auto inbox = h_.Inbox();
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].delivery.verdict, "rejected");
  EXPECT_NE(inbox[0].delivery.reason->find("orders/404/shipments/1"), std::string::npos);
  EXPECT_FALSE(h_.store->FindWorkflow("shipment", "shop.myshopify.com/orders/404/shipments/1"));
}

TEST_F(WmsIngestTest, MissingOrMistypedFieldsAre400NamingThem) {
  struct Case {
    const char* topic;
    const char* drop;
    const char* named;
  };
  int n = 0;
  for (Case c : {Case{"fulfillment.shipped", "tracking_number", "tracking_number"},
                 Case{"fulfillment.shipped", "lines", "lines"},
                 Case{"fulfillment.picked", "shipment_key", "shipment_key"},
                 Case{"return.inspected", "disposition", "disposition"},
                 Case{"return.received", "return_key", "return_key"}}) {
    std::string id = "ev-" + std::to_string(++n);
    Json body = std::string(c.topic).rfind("return", 0) == 0 ? Return(c.topic, id)
                                                             : Fulfillment(c.topic, id);
    body.erase(c.drop);
    auto r = Send(c.topic, body, id);
    EXPECT_EQ(r.status, 400) << c.drop;
    EXPECT_EQ(BodyOf(r)["error"], "invalid_payload");
    EXPECT_EQ(BodyOf(r)["message"].get<std::string>().rfind(c.named, 0), 0u) << r.body;
  }
  Json wrong_topic = Fulfillment("fulfillment.packed", "ev-x");
  auto r = Send("fulfillment.picked", wrong_topic, "ev-x");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(BodyOf(r)["message"].get<std::string>().find("X-WMS-Topic"), std::string::npos);
  EXPECT_TRUE(Events("shipment").empty());
}

TEST_F(WmsIngestTest, SignatureHeadersAndTopicsAreChecked) {
  auto forged = h_.wms.Handle(
      WmsRequest("fulfillment.picked", Fulfillment("fulfillment.picked", "e1"), "e1", "wrong"));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(BodyOf(forged)["error"], "invalid_signature");
  auto unsigned_req =
      WmsRequest("fulfillment.picked", Fulfillment("fulfillment.picked", "e2"), "e2");
  unsigned_req.headers.erase("X-WMS-Signature");
  EXPECT_EQ(BodyOf(h_.wms.Handle(unsigned_req))["error"], "missing_signature");
  auto no_id = WmsRequest("fulfillment.picked", Fulfillment("fulfillment.picked", "e3"), "e3");
  no_id.headers.erase("X-WMS-Event-Id");
  auto r = h_.wms.Handle(no_id);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(BodyOf(r)["message"].get<std::string>().find("X-WMS-Event-Id"), std::string::npos);
  auto unknown = Send("fulfillment.teleported", Json{{"id", "e4"}}, "e4");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(BodyOf(unknown)["error"], "unknown_topic");
  auto inbox = h_.Inbox();
  ASSERT_EQ(inbox.size(), 4u);
  EXPECT_EQ(inbox[0].delivery.verdict, "unknown_topic");
  EXPECT_EQ(inbox[2].delivery.verdict, "unauthorized");
  EXPECT_EQ(inbox[3].delivery.verdict, "unauthorized");
  EXPECT_TRUE(Events("shipment").empty());
}

TEST(ServeRouter, RoutesByMethodAndPathAndAnswersTheRestInJson) {
  ingest::Router router;
  router.Add("GET", "/healthz", [](const auto&) { return http::JsonResponse(200, {{"ok", 1}}); });
  router.Add("POST", "/webhooks/wms", [](const auto&) { return http::JsonResponse(200, {}); });
  router.AddMatcher([](const http::HttpRequest& r) { return r.path.rfind("/api/", 0) == 0; },
                    [](const auto&) {
                      return http::JsonResponse(200, {{"api", true}});
                    });
  EXPECT_EQ(router(http::MakeRequest("GET", "/healthz")).status, 200);
  EXPECT_EQ(BodyOf(router(http::MakeRequest("GET", "/api/workflows?limit=1")))["api"], true);
  auto missing = router(http::MakeRequest("GET", "/nope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(BodyOf(missing)["error"], "not_found");
  auto wrong = router(http::MakeRequest("GET", "/webhooks/wms"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(BodyOf(wrong)["error"], "method_not_allowed");
  EXPECT_EQ(wrong.headers["Allow"], "POST");
}

}  // namespace
}  // namespace o2c::testing
