// Out-of-order webhooks: the pure rule (Workflow::DefersEvent) and the runtime leaving an early
// event queued until its workflow can take it, through the real webhook handlers and lifecycles
// over the in-memory store. (The same on Postgres: tests/integration/runtime_pgtest.cc.)
#include <gtest/gtest.h>

#include <map>

#include "activities/inprocess_executor.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "tests/unit/ingest_test_support.h"
#include "workflows/registry.h"

namespace o2c::testing {
namespace {

using samples::ShopifyOrderJson;
using workflows::FindWorkflow;

TEST(DefersEvent, OnlyEventsThatCameBeforeTheirPredecessorWait) {
  struct Row {
    const char* type;
    const char* state;
    const char* event;
    bool defers;
  };
  for (Row r : {Row{"order", "start", "order_cancelled", true},
                Row{"order", "start", "order_updated", true},
                Row{"order", "start", "order_received", false},
                Row{"order", "validating", "order_cancelled", false},
                Row{"order", "completed", "order_cancelled", false},
                Row{"order", "start", "release", false},
                Row{"shipment", "requesting", "picked", true},
                Row{"shipment", "requesting", "packed", true},
                Row{"shipment", "requesting", "shipped", true},
                Row{"shipment", "start", "shipped", true},
                Row{"shipment", "awaiting_pick", "shipped", false},
                Row{"shipment", "requesting", "cancel", true},  // waits for the WMS answer
                Row{"shipment", "awaiting_pick", "cancel", false},
                Row{"shipment", "closed", "shipped", false},
                Row{"return", "authorizing", "received", true},
                Row{"return", "authorizing", "inspected", true},
                Row{"return", "awaiting_receipt", "inspected", true},
                Row{"return", "awaiting_receipt", "received", false},
                Row{"return", "inspecting", "inspected", false},
                Row{"return", "closed", "received", false},
                Row{"refund", "start", "credit_memo_issued", false}}) {
    EXPECT_EQ(FindWorkflow(r.type)->DefersEvent(r.state, {r.event, {}}), r.defers)
        << r.type << " " << r.state << " " << r.event;
  }
}

class OutOfOrderTest : public ::testing::Test {
 protected:
  OutOfOrderTest() : runtime_(*h_.store, h_.clock, Options()) {}
  static RuntimeOptions Options() {
    RuntimeOptions o;
    o.defer_first = std::chrono::milliseconds(500);
    o.defer_limit = std::chrono::minutes(60);
    return o;
  }
  std::vector<std::string> Transitions(const std::string& type, const std::string& key) {
    std::vector<std::string> out;
    auto w = h_.store->FindWorkflow(type, key);
    if (!w) return out;
    for (const auto& t : h_.store->Transitions(w->id)) {
      out.push_back(t.event + "->" + t.to_state +
                    (t.payload.contains("rejected") ? " (rejected)" : ""));
    }
    return out;
  }

  WebhookHarness h_;
  Runtime runtime_;
  activities::InProcessExecutor executor_;
  const std::string order_key_ = std::string(kShop) + "/orders/1001";
};

TEST_F(OutOfOrderTest, CancelledBeforeCreatedEndsCancelled) {
  auto order = ShopifyOrderJson(1001);
  ASSERT_EQ(h_.shopify.Handle(ShopifyRequest("orders/cancelled", order.dump(), "wh-c")).status,
            200);
  runtime_.RunUntilIdle(executor_);
  auto w = *h_.store->FindWorkflow("order", order_key_);
  EXPECT_EQ(w.state, "start");
  EXPECT_EQ(w.version, 0) << "a deferral is not a transition";
  EXPECT_TRUE(h_.store->Transitions(w.id).empty());
  auto pending = h_.store->PendingEvents(w.id, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].deferrals, 1);

  // Time passes, it is looked at again (and waits longer), still before orders/create.
  h_.clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(runtime_.ProcessEvents(), 1);
  EXPECT_EQ(h_.store->PendingEvents(w.id, 10).at(0).deferrals, 2);
  EXPECT_EQ(*h_.store->PendingEvents(w.id, 10).at(0).not_before,
            h_.clock.Now() + std::chrono::milliseconds(1000));

  ASSERT_EQ(h_.shopify.Handle(ShopifyRequest("orders/create", order.dump(), "wh-a")).status, 200);
  runtime_.RunUntilIdle(executor_);  // no clock movement: the create's step woke the cancel
  EXPECT_EQ(h_.store->FindWorkflow("order", order_key_)->state, "cancelled");
  auto history = Transitions("order", order_key_);
  ASSERT_GE(history.size(), 2u);
  EXPECT_EQ(history[0], "order_received->validating");
  // Nothing shipped or was created in the ERP yet: cancelling completes in the same step.
  EXPECT_NE(std::find(history.begin(), history.end(), "order_cancelled->cancelled"), history.end())
      << ::testing::PrintToString(history);
  EXPECT_TRUE(h_.store->PendingEvents(w.id, 10).empty());
}

// The bench's step latency (and anything else observing dispatch) sees each input tried once:
// an event that goes on alone (here: deferred) used to be reported by the batch and again by the
// step it went on to alone.
TEST_F(OutOfOrderTest, ADeferredEventInABatchIsDispatchedOnce) {
  std::map<WorkflowId, int> dispatched;
  RuntimeOptions options = Options();
  options.on_dispatch = [&](WorkflowId id) { ++dispatched[id]; };
  Runtime runtime(*h_.store, h_.clock, options);
  ASSERT_EQ(
      h_.shopify.Handle(ShopifyRequest("orders/cancelled", ShopifyOrderJson(1001).dump(), "wh-c"))
          .status,
      200);
  // Another order's create in the same pass: with two inputs they are stepped as a batch.
  ASSERT_EQ(
      h_.shopify.Handle(ShopifyRequest("orders/create", ShopifyOrderJson(1002).dump(), "wh-a"))
          .status,
      200);
  EXPECT_EQ(runtime.ProcessEvents(), 2);
  auto w = *h_.store->FindWorkflow("order", order_key_);
  auto other = *h_.store->FindWorkflow("order", std::string(kShop) + "/orders/1002");
  ASSERT_EQ(h_.store->PendingEvents(w.id, 10).at(0).deferrals, 1);
  EXPECT_EQ(other.state, "validating");
  EXPECT_EQ(dispatched[w.id], 1);
  EXPECT_EQ(dispatched[other.id], 1);
}

TEST_F(OutOfOrderTest, ShippedBeforeTheFulfilmentWasAcceptedIsAppliedOnceItIs) {
  bool wms_answered = false;  // the WMS has the fulfilment, but its answer has not reached us
  executor_.SetScript(
      "wms.create_fulfillment", [&](const auto&) -> std::optional<activities::Outcome> {
        if (wms_answered) return std::nullopt;
        return activities::RetryAfter{std::chrono::milliseconds(5'000), "answer lost"};
      });
  ASSERT_EQ(
      h_.shopify.Handle(ShopifyRequest("orders/create", ShopifyOrderJson(1001).dump(), "wh-a"))
          .status,
      200);
  runtime_.RunUntilIdle(executor_);
  const std::string shipment_key = order_key_ + "/shipments/1";
  auto shipment = h_.store->FindWorkflow("shipment", shipment_key);
  ASSERT_TRUE(shipment);
  ASSERT_EQ(shipment->state, "requesting");

  Json picked = {{"id", "ev-1"},
                 {"topic", "fulfillment.picked"},
                 {"fulfillment_id", "F-1"},
                 {"shipment_key", shipment_key}};
  Json shipped = {{"id", "ev-2"},
                  {"topic", "fulfillment.shipped"},
                  {"fulfillment_id", "F-1"},
                  {"shipment_key", shipment_key},
                  {"lines", shipment->context["lines"]},
                  {"carrier", "UPS"},
                  {"tracking_number", "1Z999AA10123456784"}};
  ASSERT_EQ(h_.wms.Handle(WmsRequest("fulfillment.picked", picked, "ev-1")).status, 200);
  ASSERT_EQ(h_.wms.Handle(WmsRequest("fulfillment.shipped", shipped, "ev-2")).status, 200);
  runtime_.RunUntilIdle(executor_);
  EXPECT_EQ(h_.store->FindWorkflow("shipment", shipment_key)->state, "requesting");
  EXPECT_EQ(Transitions("shipment", shipment_key),
            (std::vector<std::string>{"shipment_requested->requesting"}));

  wms_answered = true;
  h_.clock.Advance(std::chrono::seconds(10));
  runtime_.RunUntilIdle(executor_);
  EXPECT_EQ(Transitions("shipment", shipment_key),
            (std::vector<std::string>{"shipment_requested->requesting",
                                      "fulfillment_accepted->awaiting_pick", "picked->picking",
                                      "shipped->shipped", "fulfillment_notified->shipped",
                                      "invoice_posted->closed"}));
  EXPECT_EQ(h_.store->FindWorkflow("order", order_key_)->state, "completed");
}

TEST_F(OutOfOrderTest, AnEventThatWaitedTooLongIsRejectedAsBefore) {
  ASSERT_EQ(
      h_.shopify.Handle(ShopifyRequest("orders/updated", ShopifyOrderJson(1001).dump(), "wh-u"))
          .status,
      200);
  for (int i = 0; i < 200; ++i) {  // an hour and a bit, polled as the runtime would
    runtime_.ProcessEvents();
    h_.clock.Advance(std::chrono::seconds(30));
  }
  auto w = *h_.store->FindWorkflow("order", order_key_);
  EXPECT_TRUE(h_.store->PendingEvents(w.id, 10).empty());
  auto history = h_.store->Transitions(w.id);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].event, "order_updated");
  EXPECT_EQ(history[0].to_state, "start");
  EXPECT_EQ(history[0].payload["rejected"], "no transition");
  EXPECT_GE(history[0].payload["deferrals"].get<int>(), 5);
  EXPECT_GE(history[0].payload["waited_ms"].get<std::int64_t>(), 3'600'000);
}

}  // namespace
}  // namespace o2c::testing
