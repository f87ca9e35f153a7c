// Operator actions against real histories (engine/ops/operator_actions.h): each one valid in the
// state it is meant for and refused elsewhere, asserting on the rows written — the transition
// with the operator's name, the operator_actions row, task and event rows — or on nothing
// written when refused.
#include "tests/integration/ops_pgtest_fixture.h"

namespace o2c::testing {
namespace {

using activities::Outcome;
using activities::Permanent;
using activities::RetryAfter;
using nlohmann::json;
using Kind = ops::ActionOutcome::Kind;

class OpsActionsTest : public OpsPgTest {
 protected:
  ops::ActionOutcome Act(WorkflowId id, const std::string& action, const std::string& reason,
                         bool dry_run = false, std::optional<json> result = std::nullopt,
                         std::optional<std::string> from_state = std::nullopt) {
    ops::ActionRequest r;
    r.action = action;
    r.reason = reason;
    r.actor = "operator:alice";
    r.dry_run = dry_run;
    r.result = std::move(result);
    r.from_state = std::move(from_state);
    return ops_->Act(id, r);
  }
  // Everything an action could write, to compare before/after a refusal.
  std::string Footprint(WorkflowId id) {
    const std::string w = std::to_string(id);
    return One(
        "SELECT (SELECT count(*) FROM transitions WHERE workflow_id = " + w +
        ") || '/' ||"
        " (SELECT count(*) FROM operator_actions) || '/' ||"
        " (SELECT count(*) FROM events WHERE processed_at IS NULL) || '/' ||"
        " (SELECT version FROM workflows WHERE id = " +
        w +
        ") || '/' ||"
        " (SELECT string_agg(status || attempt, ',' ORDER BY id) FROM tasks WHERE workflow_id = " +
        w + ")");
  }
  std::vector<std::string> LastTransition(WorkflowId id) {
    return Rows(
        "SELECT from_state, event, to_state, actor, payload->>'reason' FROM transitions"
        " WHERE workflow_id = " +
        std::to_string(id) + " ORDER BY seq DESC LIMIT 1")[0];
  }
  std::vector<std::string> LastAction() {
    return Rows(
        "SELECT coalesce(workflow_id::text, 'NULL'), action, actor, reason, dry_run::text"
        " FROM operator_actions ORDER BY id DESC LIMIT 1")[0];
  }
  void ExpectRefused(WorkflowId id, const std::string& action, const std::string& words,
                     std::optional<json> result = std::nullopt,
                     std::optional<std::string> from_state = std::nullopt) {
    const std::string before = Footprint(id);
    auto outcome = Act(id, action, "trying it", false, result, from_state);
    EXPECT_EQ(outcome.kind, Kind::kRefused) << action << ": " << outcome.message;
    EXPECT_NE(outcome.message.find(words), std::string::npos) << action << ": " << outcome.message;
    EXPECT_EQ(Footprint(id), before) << action << " wrote something although refused";
  }

  // An order whose erp.resolve_items used up its retries (ERP down): needs_attention.
  WorkflowId OrderParkedByErpOutage(long long id) {
    executor_.SetScript("erp.resolve_items", [](const auto&) -> std::optional<Outcome> {
      return RetryAfter{std::chrono::milliseconds(0), "503: ERP unavailable"};
    });
    WorkflowId w = StartOrder(id);
    SettleWithRetries();
    EXPECT_EQ(Load(w).status, "needs_attention");
    executor_.SetScript("erp.resolve_items", nullptr);
    return w;
  }
};

TEST_F(OpsActionsTest, RetryPutsTheDeadTaskBackAndTheOrderCarriesOn) {
  WorkflowId w = OrderParkedByErpOutage(9001);
  ASSERT_EQ(One("SELECT status || attempt FROM tasks WHERE workflow_id = " + std::to_string(w)),
            "dead3");
  auto outcome = Act(w, "retry", "ERP is back");
  ASSERT_EQ(outcome.kind, Kind::kDone) << outcome.message;
  EXPECT_EQ(LastTransition(w),
            (std::vector<std::string>{"needs_attention", "operator_retry", "validating",
                                      "operator:alice", "ERP is back"}));
  EXPECT_EQ(LastAction(), (std::vector<std::string>{std::to_string(w), "retry", "operator:alice",
                                                    "ERP is back", "false"}));
  EXPECT_EQ(One("SELECT status || attempt FROM tasks WHERE workflow_id = " + std::to_string(w)),
            "pending0");
  auto row = Load(w);
  EXPECT_EQ(row.state, "validating");
  EXPECT_EQ(row.status, "running");
  EXPECT_FALSE(row.attention_reason);
  Settle();
  EXPECT_EQ(Load(w).state, "fulfilling");
  // Nothing left to retry now.
  ExpectRefused(w, "retry", "has no failed or dead task");
}

TEST_F(OpsActionsTest, SkipCompletesTheTaskByHandWithTheLifecyclesOwnRow) {
  executor_.SetScript("erp.create_sales_order", [](const auto&) -> std::optional<Outcome> {
    return Permanent{"422: customer account on credit hold"};
  });
  WorkflowId w = StartOrder(9002);
  Settle();
  ASSERT_EQ(Load(w).status, "needs_attention");
  // A result the lifecycle cannot use is refused before anything is written.
  ExpectRefused(w, "skip", "result.sales_order_id", json{{"note", "done by hand"}});
  auto outcome = Act(w, "skip", "created SO-MANUAL-1 in the ERP by hand", false,
                     json{{"sales_order_id", "SO-MANUAL-1"}});
  ASSERT_EQ(outcome.kind, Kind::kDone) << outcome.message;
  EXPECT_EQ(LastTransition(w)[1], "operator_skip");
  EXPECT_EQ(LastTransition(w)[2], "creating_erp_order");
  EXPECT_EQ(
      One("SELECT status || ' ' || (result->>'sales_order_id') FROM tasks WHERE workflow_id = " +
          std::to_string(w) + " AND activity = 'erp.create_sales_order'"),
      "succeeded SO-MANUAL-1");
  EXPECT_EQ(One("SELECT event || ' ' || source FROM events WHERE processed_at IS NULL"),
            "activity_succeeded operator:alice");
  Settle();
  auto order = Load(w);
  EXPECT_EQ(order.state, "fulfilling");
  EXPECT_EQ(order.context["sales_order_id"], "SO-MANUAL-1");
  EXPECT_EQ(One("SELECT actor FROM transitions WHERE workflow_id = " + std::to_string(w) +
                " AND event = 'erp_order_created'"),
            "operator:alice");
  EXPECT_EQ(executor_.documents()["erp.create_sales_order"], 0) << "nothing was sent to the ERP";
}

TEST_F(OpsActionsTest, CancelQueuesTheLifecyclesCancelEvent) {
  WorkflowId w = StartOrder(9003);
  Settle();
  ASSERT_EQ(Load(w).state, "fulfilling");
  auto dry = Act(w, "cancel", "customer called", true);
  ASSERT_EQ(dry.kind, Kind::kDryRun) << dry.message;
  bool lists_erp_cancel = false;
  for (const auto& call : dry.body["calls"])
    lists_erp_cancel |= call.value("signal", "") == "cancel";
  EXPECT_TRUE(lists_erp_cancel) << dry.body.dump();
  EXPECT_EQ(LastAction()[4], "true") << "a dry run is recorded as one";
  EXPECT_EQ(One("SELECT count(*) FROM events WHERE processed_at IS NULL"), "0");

  auto outcome = Act(w, "cancel", "customer called");
  ASSERT_EQ(outcome.kind, Kind::kDone) << outcome.message;
  EXPECT_EQ(One("SELECT event || ' ' || source FROM events WHERE processed_at IS NULL"),
            "order_cancelled operator:alice");
  Settle();
  EXPECT_EQ(Load(w).state, "cancelled");
  EXPECT_EQ(executor_.documents()["erp.cancel_sales_order"], 1);
  ExpectRefused(w, "cancel", "does not take order_cancelled");
  WorkflowId r = StartReturn(601, 9003, 90031);
  Settle();
  ExpectRefused(r, "cancel", "no cancel event");
}

TEST_F(OpsActionsTest, ReleaseRevalidatesAHeldOrder) {
  int calls = 0;
  executor_.SetScript(
      "erp.resolve_items", [&](const activities::ActivityCall& call) -> std::optional<Outcome> {
        if (++calls == 1)
          return activities::Succeeded{{{"items", json::object()}, {"unmapped", {"NEW-SKU"}}}};
        return activities::Succeeded{activities::InProcessExecutor::DefaultResult(call, 1)};
      });
  WorkflowId w = StartOrder(9004, {{"NEW-SKU"}});
  Settle();
  ASSERT_EQ(Load(w).state, "on_hold");
  auto outcome = Act(w, "release", "mapped NEW-SKU");
  ASSERT_EQ(outcome.kind, Kind::kDone) << outcome.message;
  EXPECT_EQ(outcome.body["calls"][0]["call"], "erp.resolve_items");
  Settle();
  EXPECT_EQ(Load(w).state, "fulfilling");
  ExpectRefused(w, "release", "does not take release");
}

TEST_F(OpsActionsTest, ReplayGoesBackAndReusesTheIdempotencyKeys) {
  executor_.SetScript("routing.assign", [](const auto&) -> std::optional<Outcome> {
    return Permanent{"400: routing rules missing for KY"};
  });
  WorkflowId w = StartOrder(9005);
  Settle();
  ASSERT_EQ(Load(w).status, "needs_attention");
  ExpectRefused(w, "replay", "was never in state fulfilling", std::nullopt, "fulfilling");
  ExpectRefused(w, "replay", "not a state", std::nullopt, "shipping");

  // The dry run lists the calls the target state emitted and what the downstream already has.
  auto dry = Act(w, "replay", "check", true, std::nullopt, "validating");
  ASSERT_EQ(dry.kind, Kind::kDryRun) << dry.message;
  ASSERT_EQ(dry.body["calls"].size(), 1u);
  EXPECT_EQ(dry.body["calls"][0]["call"], "erp.resolve_items");
  EXPECT_TRUE(dry.body["calls"][0]["already_done"].get<bool>()) << dry.body.dump();
  dry = Act(w, "replay", "routing rules fixed", true, std::nullopt, "routing");
  ASSERT_EQ(dry.kind, Kind::kDryRun) << dry.message;
  ASSERT_EQ(dry.body["calls"].size(), 1u);
  EXPECT_EQ(dry.body["calls"][0]["call"], "routing.assign");
  EXPECT_EQ(dry.body["calls"][0]["idempotency_key"], "routing.assign:" + OrderKey(9005));
  EXPECT_FALSE(dry.body["calls"][0]["already_done"].get<bool>());
  EXPECT_EQ(Load(w).state, "needs_attention") << "a dry run changes nothing";
  EXPECT_EQ(One("SELECT count(*) FROM operator_actions WHERE dry_run"), "2");

  executor_.SetScript("routing.assign", nullptr);
  auto outcome = Act(w, "replay", "routing rules fixed", false, std::nullopt, "routing");
  ASSERT_EQ(outcome.kind, Kind::kDone) << outcome.message;
  EXPECT_EQ(LastTransition(w),
            (std::vector<std::string>{"needs_attention", "operator_replay", "routing",
                                      "operator:alice", "routing rules fixed"}));
  EXPECT_EQ(One("SELECT status || attempt FROM tasks WHERE workflow_id = " + std::to_string(w) +
                " AND activity = 'routing.assign'"),
            "pending0");
  Settle();
  EXPECT_EQ(Load(w).state, "fulfilling");
  EXPECT_EQ(executor_.calls_by_key()["routing.assign:" + OrderKey(9005)], 2)
      << "the same key went out again";
  EXPECT_EQ(executor_.calls_by_key()["erp.resolve_items:" + OrderKey(9005)], 1)
      << "states before the replayed one are not re-run";
  ExpectRefused(w, "replay", "never", std::nullopt, "compensating");
}

TEST_F(OpsActionsTest, CompensateGivesUpARejectedShipmentAndTheOrderUndoesItself) {
  executor_.SetScript("wms.create_fulfillment", [](const auto&) -> std::optional<Outcome> {
    return RetryAfter{std::chrono::milliseconds(0), "503: WMS unavailable"};
  });
  WorkflowId order = StartOrder(9006);
  SettleWithRetries();
  WorkflowRecord shipment = Shipment(9006);
  ASSERT_EQ(shipment.status, "needs_attention");
  ASSERT_EQ(Load(order).state, "fulfilling");
  ExpectRefused(order, "compensate", "use cancel");

  auto outcome = Act(shipment.id, "compensate", "warehouse cannot fulfil");
  ASSERT_EQ(outcome.kind, Kind::kDone) << outcome.message;
  EXPECT_EQ(LastTransition(shipment.id),
            (std::vector<std::string>{"needs_attention", "operator_compensate", "failed",
                                      "operator:alice", "warehouse cannot fulfil"}));
  EXPECT_EQ(Load(shipment.id).status, "failed");
  EXPECT_EQ(One("SELECT event || ' ' || workflow_id FROM events WHERE processed_at IS NULL"),
            "shipment_failed " + std::to_string(order));
  Settle();
  EXPECT_EQ(Load(order).state, "compensated");
  EXPECT_EQ(executor_.documents()["erp.cancel_sales_order"], 1);
  EXPECT_EQ(executor_.documents()["wms.create_fulfillment"], 0);
  ExpectRefused(shipment.id, "compensate", "has finished");

  // A shipment the WMS accepted is never compensated this way.
  executor_.SetScript("wms.create_fulfillment", nullptr);
  StartOrder(9007);
  Settle();
  ExpectRefused(Shipment(9007).id, "compensate", "the WMS accepted");
}

TEST_F(OpsActionsTest, EscalateFlagsAWaitingShipment) {
  StartOrder(9008);
  Settle();
  WorkflowId s = Shipment(9008).id;
  auto outcome = Act(s, "escalate", "overdue 4 days");
  ASSERT_EQ(outcome.kind, Kind::kDone) << outcome.message;
  auto row = Load(s);
  EXPECT_EQ(row.state, "awaiting_pick");
  EXPECT_EQ(row.status, "needs_attention");
  EXPECT_EQ(row.attention_reason, "escalated: overdue 4 days");
  ExpectRefused(s, "escalate", "only a running or waiting workflow");
  Ship(s);
  EXPECT_EQ(Load(s).status, "closed") << "the flag clears at the next step";
}

TEST_F(OpsActionsTest, RefusesMalformedRequestsAndUnknownWorkflows) {
  WorkflowId w = StartOrder(9009);
  Settle();
  ops::ActionRequest r;
  r.action = "retry";
  r.actor = "operator:alice";
  r.reason = "  ";
  EXPECT_THROW(ops_->Act(w, r), std::invalid_argument);
  r.reason = "ok";
  r.action = "skip";
  EXPECT_THROW(ops_->Act(w, r), std::invalid_argument) << "skip without a result";
  r.action = "replay";
  EXPECT_THROW(ops_->Act(w, r), std::invalid_argument) << "replay without from_state";
  EXPECT_THROW(ops::OperatorActor("bad name"), std::invalid_argument);
  EXPECT_EQ(Act(987654, "retry", "x").kind, Kind::kNotFound);
  EXPECT_EQ(One("SELECT count(*) FROM operator_actions"), "0");
}

}  // namespace
}  // namespace o2c::testing
