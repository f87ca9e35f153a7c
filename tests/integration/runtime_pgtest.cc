// The lifecycles end to end through the durable runtime, against real Postgres, with the
// in-process downstreams. Assertions read the database: states, transitions, task rows.
#include <gtest/gtest.h>

#include <thread>

#include "activities/inprocess_executor.h"
#include "engine/pg_workflow_store.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "tests/integration/pg_test_support.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c::testing {
namespace {

using samples::ShopifyOrderJson;
using samples::ShopifyRefundJson;
using samples::ShopifyReturnJson;

using activities::InProcessExecutor;
using activities::Outcome;
using activities::Permanent;
using activities::RetryAfter;
namespace model = workflows::model;

constexpr const char* kShop = "shop.myshopify.com";

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResetSharedDatabase();
    store_ = std::make_unique<PgWorkflowStore>(SharedDatabaseDsn());
    RuntimeOptions options;
    options.default_policy.max_attempts = 3;
    options.default_policy.backoff_base = std::chrono::milliseconds(10);
    runtime_ = std::make_unique<Runtime>(*store_, clock_, options);
  }

  std::string OrderKey(long long id) {
    return std::string(kShop) + "/orders/" + std::to_string(id);
  }

  WorkflowId StartOrder(long long id, const nlohmann::json& shopify = nullptr) {
    auto order = model::OrderFromShopify(shopify.is_null() ? ShopifyOrderJson(id) : shopify);
    EXPECT_TRUE(order.ok());
    return runtime_->StartOrSignal(
        "order", OrderKey(id), {"order_received", {{"order", order.value()}}}, "webhook:shopify");
  }
  void Settle() { runtime_->RunUntilIdle(executor_); }
  WorkflowRecord Get(const std::string& type, const std::string& key) {
    auto w = store_->FindWorkflow(type, key);
    EXPECT_TRUE(w) << type << " " << key;
    return w.value_or(WorkflowRecord{});
  }
  WorkflowRecord Order(long long id) { return Get("order", OrderKey(id)); }
  WorkflowRecord Shipment(long long id, int n = 1) {
    return Get("shipment", OrderKey(id) + "/shipments/" + std::to_string(n));
  }
  void Signal(const WorkflowRecord& w, const std::string& event, nlohmann::json payload = {}) {
    store_->EnqueueEvent({w.id, "", "", event,
                          payload.is_null() ? nlohmann::json::object() : payload, "webhook:wms"},
                         clock_.Now());
    Settle();
  }
  std::vector<std::string> Events(const WorkflowRecord& w) {
    std::vector<std::string> out;
    for (const auto& t : store_->Transitions(w.id)) out.push_back(t.event + "->" + t.to_state);
    return out;
  }
  int TasksIn(const WorkflowRecord& w, const std::string& status) {
    int n = 0;
    for (const auto& t : store_->Tasks(w.id)) n += t.status == status;
    return n;
  }
  static std::optional<Outcome> Reject(const std::string& why) { return Permanent{why}; }

  ManualClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  InProcessExecutor executor_;
  std::unique_ptr<PgWorkflowStore> store_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(RuntimeTest, OrderHappyPathWithOneShipment) {
  StartOrder(1001);
  Settle();
  EXPECT_EQ(Order(1001).state, "fulfilling");
  auto shipment = Shipment(1001);
  EXPECT_EQ(shipment.state, "awaiting_pick");
  EXPECT_EQ(shipment.parent_id, Order(1001).id);
  Signal(shipment, "picked");
  Signal(Shipment(1001), "packed");
  Signal(Shipment(1001), "shipped",
         {{"carrier", "UPS"}, {"tracking_number", "1Z999AA10123456784"}});
  EXPECT_EQ(Shipment(1001).state, "closed");
  EXPECT_EQ(Shipment(1001).status, "closed");
  auto order = Order(1001);
  EXPECT_EQ(order.state, "completed");
  EXPECT_EQ(order.status, "completed");
  EXPECT_EQ(Events(order), (std::vector<std::string>{
                               "order_received->validating", "items_resolved->routing",
                               "allocated->creating_erp_order", "erp_order_created->fulfilling",
                               "shipment_closed->completed"}));
  EXPECT_EQ(TasksIn(order, "succeeded"), 3);
  EXPECT_EQ(TasksIn(Shipment(1001), "succeeded"), 3);
  auto docs = executor_.documents();
  EXPECT_EQ(docs["erp.create_sales_order"], 1);
  EXPECT_EQ(docs["wms.create_fulfillment"], 1);
  EXPECT_EQ(docs["erp.post_invoice"], 1);
  EXPECT_EQ(docs["shopify.create_fulfillment"], 1);
  for (const auto& t : store_->Transitions(order.id)) {
    EXPECT_TRUE(t.actor == "engine" || t.actor.rfind("worker:", 0) == 0 ||
                t.actor == "webhook:shopify")
        << t.actor;
  }
}

TEST_F(RuntimeTest, OrderCancelledBeforeShipmentCancelsShipmentThenErpOrder) {
  StartOrder(1002);
  Settle();
  ASSERT_EQ(Shipment(1002).state, "awaiting_pick");
  Signal(Order(1002), "order_cancelled");
  EXPECT_EQ(Shipment(1002).state, "cancelled");
  EXPECT_EQ(Order(1002).state, "cancelled");
  EXPECT_EQ(Order(1002).status, "cancelled");
  auto docs = executor_.documents();
  EXPECT_EQ(docs["wms.cancel_fulfillment"], 1);
  EXPECT_EQ(docs["erp.cancel_sales_order"], 1);
  // The compensation points at the ERP order it undoes.
  std::optional<TaskId> create, cancel_compensates;
  for (const auto& t : store_->Tasks(Order(1002).id)) {
    if (t.activity == "erp.create_sales_order") create = t.id;
    if (t.activity == "erp.cancel_sales_order") cancel_compensates = t.compensates;
  }
  EXPECT_TRUE(create);
  EXPECT_EQ(cancel_compensates, create);
}

TEST_F(RuntimeTest, OrderCancelledAfterTheWmsShippedNeedsAttention) {
  executor_.SetScript("wms.cancel_fulfillment", [](const auto&) -> std::optional<Outcome> {
    return Permanent{"409: fulfillment already shipped", "conflict"};
  });
  StartOrder(1003);
  Settle();
  Signal(Order(1003), "order_cancelled");
  EXPECT_EQ(Shipment(1003).state, "needs_attention");
  auto order = Order(1003);
  EXPECT_EQ(order.status, "needs_attention");
  EXPECT_EQ(order.attention_reason, "cancel_after_ship");
  EXPECT_EQ(executor_.documents()["erp.cancel_sales_order"], 0);
}

TEST_F(RuntimeTest, CancelBeforeTheErpOrderExistsNeedsNoCompensation) {
  executor_.SetScript("routing.assign", [](const auto&) -> std::optional<Outcome> {
    return RetryAfter{std::chrono::hours(1), "503 routing busy"};
  });
  StartOrder(1004);
  Settle();
  ASSERT_EQ(Order(1004).state, "routing");
  Signal(Order(1004), "order_cancelled");
  EXPECT_EQ(Order(1004).state, "cancelled");
  EXPECT_EQ(executor_.documents()["erp.create_sales_order"], 0);
  EXPECT_EQ(executor_.documents()["erp.cancel_sales_order"], 0);
}

TEST_F(RuntimeTest, WmsRejectionAfterTheErpOrderExistsIsCompensated) {
  executor_.SetScript("wms.create_fulfillment", [](const auto&) {
    return Reject("422: location WH-1 does not stock IPOD2008PINK");
  });
  StartOrder(1005);
  Settle();
  EXPECT_EQ(Shipment(1005).state, "failed");
  auto order = Order(1005);
  EXPECT_EQ(order.state, "compensated");
  EXPECT_EQ(order.status, "compensated");
  EXPECT_EQ(executor_.documents()["erp.create_sales_order"], 1);
  EXPECT_EQ(executor_.documents()["erp.cancel_sales_order"], 1);
  auto events = Events(order);
  EXPECT_NE(std::find(events.begin(), events.end(), "shipment_failed->compensating"), events.end());
  // The shipment's task records why.
  for (const auto& t : store_->Tasks(Shipment(1005).id)) {
    if (t.activity == "wms.create_fulfillment") {
      EXPECT_EQ(t.status, "failed");
      EXPECT_NE(t.last_error->find("does not stock"), std::string::npos);
    }
  }
}

TEST_F(RuntimeTest, AFailedCompensationParksTheOrder) {
  executor_.SetScript("wms.create_fulfillment",
                      [](const auto&) { return Reject("422: rejected"); });
  executor_.SetScript("erp.cancel_sales_order", [](const auto&) -> std::optional<Outcome> {
    return RetryAfter{std::chrono::milliseconds(0), "503: ERP unavailable"};
  });
  StartOrder(1006);
  for (int i = 0; i < 10; ++i) {  // let the retries' backoff pass
    Settle();
    clock_.Advance(std::chrono::minutes(5));
  }
  auto order = Order(1006);
  EXPECT_EQ(order.status, "needs_attention");
  EXPECT_EQ(order.attention_reason, "compensation_failed");
  for (const auto& t : store_->Tasks(order.id)) {
    if (t.activity == "erp.cancel_sales_order") {
      EXPECT_EQ(t.status, "dead");
      EXPECT_EQ(t.attempt, 3);
      EXPECT_EQ(t.last_error, "503: ERP unavailable");
    }
  }
}

TEST_F(RuntimeTest, TransientFailuresRetryWithBackoffThenSucceed) {
  int calls = 0;
  executor_.SetScript("erp.create_sales_order", [&](const auto&) -> std::optional<Outcome> {
    if (++calls < 3) return RetryAfter{std::chrono::seconds(2), "429: slow down"};
    return std::nullopt;  // the default success
  });
  StartOrder(1007);
  Settle();
  EXPECT_EQ(Order(1007).state, "creating_erp_order");
  clock_.Advance(std::chrono::seconds(1));
  Settle();
  EXPECT_EQ(calls, 1) << "Retry-After: 2 was not honoured";
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::minutes(1));
    Settle();
  }
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(Order(1007).state, "fulfilling");
}

TEST_F(RuntimeTest, UnmappedSkuHoldsTheOrderAndReleaseResumesIt) {
  int calls = 0;
  executor_.SetScript("erp.resolve_items", [&](const auto& call) -> std::optional<Outcome> {
    if (++calls == 1)
      return activities::Succeeded{
          {{"items", nlohmann::json::object()}, {"unmapped", {"NO-SUCH-SKU"}}}};
    return activities::Succeeded{InProcessExecutor::DefaultResult(call, 1)};
  });
  StartOrder(1008, ShopifyOrderJson(1008, {{"NO-SUCH-SKU"}}));
  Settle();
  auto held = Order(1008);
  EXPECT_EQ(held.state, "on_hold");
  EXPECT_EQ(held.status, "needs_attention");
  EXPECT_EQ(held.attention_reason, "unmapped_sku");
  store_->EnqueueEvent({held.id, "", "", "release", {}, "operator:alice"}, clock_.Now());
  Settle();
  EXPECT_EQ(Order(1008).state, "fulfilling");
  auto transitions = store_->Transitions(held.id);
  bool released_by_alice = false;
  for (const auto& t : transitions)
    released_by_alice |= t.event == "release" && t.actor == "operator:alice";
  EXPECT_TRUE(released_by_alice);
}

TEST_F(RuntimeTest, AnEventWithNoRowIsRecordedAsRejected) {
  StartOrder(1009);
  Settle();
  auto before = Order(1009);
  Signal(before, "refund_created");
  auto after = Order(1009);
  EXPECT_EQ(after.state, before.state);
  auto last = store_->Transitions(after.id).back();
  EXPECT_EQ(last.event, "refund_created");
  EXPECT_EQ(last.from_state, last.to_state);
  EXPECT_EQ(last.payload["rejected"], "no transition");
  EXPECT_TRUE(store_->PendingEvents(after.id, 10).empty())
      << "a rejected event is consumed, not retried";
}

class ReturnTest : public RuntimeTest {
 protected:
  std::string ReturnKey(long long id) {
    return std::string(kShop) + "/returns/" + std::to_string(id);
  }
  WorkflowRecord StartReturn(long long id) {
    auto r = model::ReturnFromShopify(ShopifyReturnJson(id, 2001, 20011));
    EXPECT_TRUE(r.ok());
    runtime_->StartOrSignal("return", ReturnKey(id), {"return_requested", {{"return", r.value()}}},
                            "webhook:shopify");
    Settle();
    return Get("return", ReturnKey(id));
  }
};

TEST_F(ReturnTest, EachAcceptingDispositionCreditsThenRefunds) {
  long long id = 500;
  for (const char* disposition : {"restock", "refurbish", "scrap"}) {
    auto r = StartReturn(++id);
    ASSERT_EQ(r.state, "awaiting_receipt") << disposition;
    Signal(r, "received");
    Signal(Get("return", ReturnKey(id)), "inspected", {{"disposition", disposition}});
    auto done = Get("return", ReturnKey(id));
    EXPECT_EQ(done.state, "closed") << disposition;
    std::vector<std::string> activities;
    for (const auto& t : store_->Tasks(done.id)) activities.push_back(t.activity);
    // Finance rule: credit memo only after inspection, refund only after the credit memo.
    EXPECT_EQ(activities,
              (std::vector<std::string>{"erp.create_rma", "wms.expect_return",
                                        "erp.issue_credit_memo", "shopify.create_refund"}))
        << disposition;
  }
  EXPECT_EQ(executor_.documents()["erp.issue_credit_memo"], 3);
}

TEST_F(ReturnTest, RejectedInspectionClosesTheRmaWithoutCredit) {
  auto r = StartReturn(601);
  Signal(r, "received");
  Signal(Get("return", ReturnKey(601)), "inspected", {{"disposition", "reject"}});
  auto done = Get("return", ReturnKey(601));
  EXPECT_EQ(done.state, "closed");
  EXPECT_EQ(executor_.documents()["erp.close_rma"], 1);
  EXPECT_EQ(executor_.documents()["erp.issue_credit_memo"], 0);
  EXPECT_EQ(executor_.documents()["shopify.create_refund"], 0);
}

TEST_F(ReturnTest, ReturnWindowExpiryCancelsTheRma) {
  auto r = StartReturn(602);
  clock_.Advance(std::chrono::hours(24 * 29));
  EXPECT_EQ(runtime_->FireDueTimers(), 0);
  clock_.Advance(std::chrono::hours(24 * 2));
  Settle();
  auto done = Get("return", ReturnKey(602));
  EXPECT_EQ(done.state, "closed");
  EXPECT_EQ(executor_.documents()["erp.cancel_rma"], 1);
  auto events = Events(done);
  EXPECT_NE(std::find(events.begin(), events.end(), "return_window_fired->expired"), events.end());
}

TEST_F(ReturnTest, TimersFireOnceAcrossARestartWithTwoProcessesRacing) {
  auto r = StartReturn(603);
  clock_.Advance(std::chrono::hours(24 * 31));
  // "Restart": two fresh runtimes on their own connections race for the same due timer.
  std::atomic<int> fired{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 2; ++i) {
    racers.emplace_back([&, i] {
      PgWorkflowStore store(SharedDatabaseDsn());
      RuntimeOptions options;
      options.worker_id = "restarted-" + std::to_string(i);
      Runtime runtime(store, clock_, options);
      fired += runtime.FireDueTimers();
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(fired.load(), 1);
  int window_fired = 0;
  for (const auto& t : store_->Transitions(r.id)) window_fired += t.event == "return_window_fired";
  EXPECT_EQ(window_fired, 1);
  EXPECT_EQ(runtime_->FireDueTimers(), 0);
}

TEST_F(RuntimeTest, ARefundWithoutAReturnIssuesACreditMemo) {
  auto refund = model::RefundFromShopify(ShopifyRefundJson(7001, 2001, "25.00"));
  ASSERT_TRUE(refund.ok());
  std::string key = std::string(kShop) + "/refunds/7001";
  runtime_->StartOrSignal("refund", key, {"refund_recorded", {{"refund", refund.value()}}},
                          "webhook:shopify");
  Settle();
  auto done = Get("refund", key);
  EXPECT_EQ(done.state, "closed");
  auto tasks = store_->Tasks(done.id);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].activity, "erp.issue_credit_memo");
  EXPECT_EQ(tasks[0].input["amount"]["amount_minor"], 2500) << tasks[0].input.dump();
  EXPECT_EQ(tasks[0].input["amount"]["currency"], "USD");
}

}  // namespace
}  // namespace o2c::testing
