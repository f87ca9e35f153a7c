// An ERP outage against the in-memory store: with the downstream gate, the breaker opens after a
// few failures and the waiting tasks spend no attempts, so all complete after recovery; without
// it, the same outage exhausts them.
#include "engine/downstream_gate.h"

#include <gtest/gtest.h>

#include "activities/inprocess_executor.h"
#include "engine/memory_workflow_store.h"
#include "engine/shopify_samples.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c {
namespace {

struct OutageRun {
  int closed = 0, dead = 0, erp_calls = 0;
};

OutageRun RunErpOutage(CallGate* gate) {
  MemoryWorkflowStore store;
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  RuntimeOptions options;
  options.default_policy = {4, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  options.gate = gate;
  Runtime runtime(store, clock, options);
  std::vector<WorkflowId> refunds;
  for (int i = 1; i <= 5; ++i) {
    auto refund =
        workflows::model::RefundFromShopify(samples::ShopifyRefundJson(7000 + i, 2001, "25.00"));
    refunds.push_back(runtime.StartOrSignal("refund", "shop/refunds/" + std::to_string(i),
                                            {"refund_recorded", {{"refund", refund.value()}}},
                                            "webhook:shopify"));
  }
  bool erp_down = true;
  activities::InProcessExecutor executor;
  OutageRun run;
  executor.SetScript(
      "erp.issue_credit_memo", [&](const auto&) -> std::optional<activities::Outcome> {
        ++run.erp_calls;
        if (erp_down) return activities::RetryAfter{std::chrono::milliseconds(0), "503 from ERP"};
        return std::nullopt;
      });
  for (int second = 0; second < 60; ++second) {
    if (second == 30) erp_down = false;  // a 30-second outage
    runtime.RunUntilIdle(executor);
    clock.Advance(std::chrono::seconds(1));
  }
  for (WorkflowId id : refunds) {
    run.closed += store.LoadWorkflow(id)->state == "closed";
    for (const auto& t : store.Tasks(id)) run.dead += t.status == "dead";
  }
  return run;
}

TEST(DownstreamGate, AnOpenBreakerMakesTasksWaitWithoutBurningAttempts) {
  auto config = policy::PolicyConfig::FromJson(
      {{"downstreams", {{"erp", {{"breaker", {{"failures", 3}, {"open_for_ms", 10000}}}}}}}});
  DownstreamGate gate(config);
  OutageRun with_gate = RunErpOutage(&gate);
  EXPECT_EQ(with_gate.closed, 5);
  EXPECT_EQ(with_gate.dead, 0);
  // 3 failures open it; then one probe per 10 s while down; then the 5 real calls.
  EXPECT_LE(with_gate.erp_calls, 3 + 3 + 5);

  OutageRun without_gate = RunErpOutage(nullptr);
  EXPECT_EQ(without_gate.dead, 5) << "the outage should exhaust unprotected tasks";
  EXPECT_EQ(without_gate.erp_calls, 5 * 4);
}

TEST(DownstreamGate, BreakerStateIsPerDownstream) {
  auto config = policy::PolicyConfig::FromJson(
      {{"downstreams", {{"erp", {{"breaker", {{"failures", 1}, {"open_for_ms", 1000}}}}}}}});
  DownstreamGate gate(config);
  TimePoint now(std::chrono::seconds(1'800'000'000));
  activities::ActivityCall erp{1, 1, "erp.create_sales_order"};
  ASSERT_FALSE(gate.Admit(erp, now));
  gate.Record(erp, activities::RetryAfter{std::chrono::milliseconds(0), "503"}, now);
  EXPECT_EQ(gate.BreakerState("erp", now), "open");
  EXPECT_EQ(gate.BreakerState("wms", now), "closed");
  auto refused = gate.Admit({2, 1, "erp.post_invoice"}, now);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, now + std::chrono::seconds(1));
  EXPECT_FALSE(gate.Admit({3, 1, "wms.create_fulfillment"}, now));
}

TEST(DownstreamGate, AtMostTheConfiguredCallsInFlightPerDownstream) {
  auto config = policy::PolicyConfig::FromJson({{"downstreams", {{"wms", {{"concurrency", 2}}}}}});
  DownstreamGate gate(config);
  TimePoint now(std::chrono::seconds(1'800'000'000));
  activities::ActivityCall a{1, 1, "wms.create_fulfillment"}, b{2, 1, "wms.create_fulfillment"},
      c{3, 1, "wms.cancel_fulfillment"};
  EXPECT_FALSE(gate.Admit(a, now));
  EXPECT_FALSE(gate.Admit(b, now));
  auto busy = gate.Admit(c, now);  // a third call while two are out
  ASSERT_TRUE(busy);
  EXPECT_EQ(*busy, now + DownstreamGate::kBusyRetry);
  EXPECT_FALSE(gate.Admit({4, 1, "erp.post_invoice"}, now)) << "other downstreams are not held up";
  gate.Record(a, activities::Succeeded{}, now);
  EXPECT_FALSE(gate.Admit(c, now)) << "a finished call frees its slot";
}

}  // namespace
}  // namespace o2c
