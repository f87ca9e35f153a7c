// Out-of-order webhooks on real Postgres, through the webhook handlers (each borrowing its own
// connection from the pool, as in `o2c serve`) and the durable runtime: an early event waits
// (DueEvents leaves it out, DeferEvent is not a transition) and is applied once its workflow can
// take it. Assertions read the rows.
#include <gtest/gtest.h>

#include "activities/inprocess_executor.h"
#include "engine/http/hmac.h"
#include "engine/ingest/shopify_webhook.h"
#include "engine/ingest/wms_webhook.h"
#include "engine/pg_workflow_store.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "tests/integration/pg_test_support.h"

namespace o2c::testing {
namespace {

constexpr const char* kShop = "shop.myshopify.com";

class OutOfOrderPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResetSharedDatabase();
    store_ = std::make_unique<PgWorkflowStore>(SharedDatabaseDsn());
    runtime_ = std::make_unique<Runtime>(*store_, clock_);
  }
  http::HttpResponse Shopify(const std::string& topic, const std::string& body,
                             const std::string& id) {
    http::HeaderMap h = {{"X-Shopify-Topic", topic},
                         {"X-Shopify-Hmac-Sha256", http::HmacSha256Base64("k", body)},
                         {"X-Shopify-Shop-Domain", kShop},
                         {"X-Shopify-Webhook-Id", id}};
    return shopify_.Handle(http::MakeRequest("POST", "/webhooks/shopify", h, body));
  }
  http::HttpResponse Wms(const std::string& topic, const Json& body) {
    const std::string raw = body.dump();
    http::HeaderMap h = {{"X-WMS-Topic", topic},
                         {"X-WMS-Event-Id", body["id"].get<std::string>()},
                         {"X-WMS-Signature", http::HmacSha256Base64("w", raw)}};
    return wms_.Handle(http::MakeRequest("POST", "/webhooks/wms", h, raw));
  }
  std::vector<std::string> History(const std::string& type, const std::string& key) {
    std::vector<std::string> out;
    auto w = store_->FindWorkflow(type, key);
    for (const auto& t : store_->Transitions(w ? w->id : 0)) {
      out.push_back(t.event + "->" + t.to_state + (t.payload.contains("rejected") ? "!" : ""));
    }
    return out;
  }

  ManualClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  ingest::StorePool pool_{[] { return std::make_shared<PgWorkflowStore>(SharedDatabaseDsn()); }, 2};
  ingest::ShopifyWebhookHandler shopify_{pool_, clock_, {"k"}};
  ingest::WmsWebhookHandler wms_{pool_, clock_, {"w"}};
  activities::InProcessExecutor executor_;
  std::unique_ptr<PgWorkflowStore> store_;
  std::unique_ptr<Runtime> runtime_;
  const std::string order_key_ = std::string(kShop) + "/orders/1001";
};

TEST_F(OutOfOrderPgTest, OrdersCancelledBeforeOrdersCreateEndsCancelled) {
  const std::string order = samples::ShopifyOrderJson(1001).dump();
  ASSERT_EQ(Shopify("orders/cancelled", order, "wh-cancel").status, 200);
  runtime_->RunUntilIdle(executor_);
  auto w = *store_->FindWorkflow("order", order_key_);
  EXPECT_EQ(w.state, "start");
  EXPECT_EQ(w.version, 0);
  EXPECT_TRUE(History("order", order_key_).empty()) << "a deferral is not a transition";
  auto waiting = store_->PendingEvents(w.id, 10);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].event, "order_cancelled");
  EXPECT_EQ(waiting[0].deferrals, 1);
  EXPECT_TRUE(store_->DueEvents(clock_.Now(), 10).empty());

  ASSERT_EQ(Shopify("orders/create", order, "wh-create").status, 200);
  runtime_->RunUntilIdle(executor_);
  EXPECT_EQ(store_->FindWorkflow("order", order_key_)->state, "cancelled");
  auto history = History("order", order_key_);
  ASSERT_GE(history.size(), 2u) << ::testing::PrintToString(history);
  EXPECT_EQ(history[0], "order_received->validating");
  EXPECT_NE(std::find(history.begin(), history.end(), "order_cancelled->cancelled"), history.end())
      << ::testing::PrintToString(history);
  EXPECT_TRUE(store_->PendingEvents(w.id, 10).empty());
  EXPECT_EQ(executor_.documents()["erp.create_sales_order"], 0);
}

TEST_F(OutOfOrderPgTest, ShippedBeforeFulfillmentAcceptedIsAppliedOnceAccepted) {
  bool answered = false;
  executor_.SetScript("wms.create_fulfillment",
                      [&](const auto&) -> std::optional<activities::Outcome> {
                        if (answered) return std::nullopt;
                        return activities::RetryAfter{std::chrono::seconds(5), "answer lost"};
                      });
  ASSERT_EQ(Shopify("orders/create", samples::ShopifyOrderJson(1001).dump(), "wh-1").status, 200);
  runtime_->RunUntilIdle(executor_);
  const std::string key = order_key_ + "/shipments/1";
  auto shipment = store_->FindWorkflow("shipment", key);
  ASSERT_TRUE(shipment);
  ASSERT_EQ(shipment->state, "requesting");
  auto shipped = Wms("fulfillment.shipped", {{"id", "ev-ship"},
                                             {"topic", "fulfillment.shipped"},
                                             {"fulfillment_id", "F-1"},
                                             {"shipment_key", key},
                                             {"lines", shipment->context["lines"]},
                                             {"carrier", "UPS"},
                                             {"tracking_number", "1Z999AA10123456784"}});
  ASSERT_EQ(shipped.status, 200) << shipped.body;
  runtime_->RunUntilIdle(executor_);
  EXPECT_EQ(store_->FindWorkflow("shipment", key)->state, "requesting");
  EXPECT_EQ(store_->PendingEvents(shipment->id, 10).at(0).deferrals, 1);

  answered = true;
  clock_.Advance(std::chrono::seconds(10));
  runtime_->RunUntilIdle(executor_);
  EXPECT_EQ(History("shipment", key),
            (std::vector<std::string>{"shipment_requested->requesting",
                                      "fulfillment_accepted->awaiting_pick", "shipped->shipped",
                                      "fulfillment_notified->shipped", "invoice_posted->closed"}));
  EXPECT_EQ(store_->FindWorkflow("order", order_key_)->state, "completed");
}

}  // namespace
}  // namespace o2c::testing
