// The trace built from hand-made records (engine/ops/trace.h): time order with causes first,
// attempts and documents, compensations, rejected events, what an open workflow waits for, and
// the terminal rendering.
#include <gtest/gtest.h>

#include "engine/ops/trace.h"
#include "engine/time_text.h"

namespace o2c::ops {
namespace {

using nlohmann::json;

TimePoint At(int ms) {
  return TimePoint(std::chrono::seconds(1'800'000'000)) + std::chrono::milliseconds(ms);
}

WorkflowRecord Workflow(WorkflowId id, std::string type, std::string key, std::string state,
                        std::string status, std::optional<WorkflowId> parent = std::nullopt) {
  WorkflowRecord w;
  w.id = id;
  w.type = std::move(type);
  w.business_key = std::move(key);
  w.state = std::move(state);
  w.status = std::move(status);
  w.parent_id = parent;
  w.created_at = At(0);
  w.updated_at = At(0);
  return w;
}

TransitionRecord Step(WorkflowId id, std::int64_t seq, std::string from, std::string event,
                      std::string to, std::string actor, int ms, json payload = json::object()) {
  return {id,
          seq,
          std::move(from),
          std::move(event),
          std::move(to),
          std::move(payload),
          std::move(actor),
          At(ms)};
}

TaskView Task(TaskId id, WorkflowId wf, std::string activity, std::string status, int attempt,
              int created_ms, int updated_ms) {
  TaskView v;
  v.task.id = id;
  v.task.workflow_id = wf;
  v.task.activity = std::move(activity);
  v.task.idempotency_key = v.task.activity + ":k";
  v.task.status = std::move(status);
  v.task.attempt = attempt;
  v.task.max_attempts = 5;
  v.task.next_attempt_at = At(updated_ms);
  v.created_at = At(created_ms);
  v.updated_at = At(updated_ms);
  return v;
}

class OpsTraceBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    auto order = Workflow(1, "order", "s/orders/9", "compensating", "running");
    order.updated_at = At(900);
    r.workflows = {order, Workflow(2, "shipment", "s/orders/9/shipments/1", "failed", "failed", 1)};
    r.transitions = {
        Step(1, 1, "start", "order_received", "validating", "webhook:shopify", 0),
        Step(1, 2, "validating", "erp_order_created", "fulfilling", "worker:w1", 500),
        Step(2, 1, "start", "shipment_requested", "requesting", "engine", 500),
        Step(2, 2, "requesting", "fulfillment_rejected", "failed", "worker:w1", 700),
        Step(1, 3, "fulfilling", "shipment_failed", "compensating", "engine", 800),
        Step(1, 4, "compensating", "refund_created", "compensating", "webhook:wms", 900,
             {{"rejected", "no transition"}, {"reason", "no transition"}}),
    };
    auto create = Task(10, 1, "erp.create_sales_order", "succeeded", 3, 0, 500);
    create.task.result = json{{"sales_order_id", "SO-1"}, {"note", "x"}};
    create.task.last_error = "503: ERP unavailable";
    // Attempt 1 retried, attempt 2's worker stopped (no row), attempt 3 succeeded.
    create.attempts = {
        {10, 1, 1, "w1", At(100), At(410), "retry", "503: ERP unavailable", std::nullopt},
        {10, 1, 3, "w2", At(480), At(500), "succeeded", std::nullopt, std::nullopt}};
    auto wms = Task(11, 2, "wms.create_fulfillment", "failed", 1, 500, 700);
    wms.task.last_error = "422: not stocked";
    wms.attempts = {{11, 1, 1, "w1", At(600), At(700), "failed", "422: not stocked", "permanent"}};
    auto cancel = Task(12, 1, "erp.cancel_sales_order", "pending", 1, 800, 850);
    cancel.task.compensates = 10;
    cancel.task.last_error = "503: ERP unavailable";
    cancel.attempts = {
        {12, 1, 1, "w1", At(820), At(850), "retry", "503: ERP unavailable", std::nullopt}};
    r.tasks = {create, wms, cancel};
    ActionView action;
    action.id = 7;
    action.action = OperatorActionRecord{1, "retry", "operator:alice", "ERP is back", {}, true, {}};
    action.at = At(950);
    r.actions = {action};
  }
  WorkflowRecords r;
};

TEST_F(OpsTraceBuild, OrdersByTimeWithCausesFirst) {
  json trace = BuildTrace(r, StuckPolicy::Defaults(), At(1000));
  std::vector<std::string> kinds;
  for (const auto& e : trace["timeline"]) {
    std::string what =
        e["kind"].get<std::string>() + ":" + std::to_string(e["workflow_id"].get<int>());
    if (e.contains("event")) what += ":" + e["event"].get<std::string>();
    if (e.contains("activity")) what += ":" + e["activity"].get<std::string>();
    kinds.push_back(what);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{
                       "transition:1:order_received",
                       "activity_emitted:1:erp.create_sales_order",
                       "activity_outcome:1:erp.create_sales_order",  // at 500, before its effect
                       "transition:1:erp_order_created",
                       "transition:2:shipment_requested",
                       "activity_emitted:2:wms.create_fulfillment",
                       "activity_outcome:2:wms.create_fulfillment",
                       "transition:2:fulfillment_rejected",
                       "transition:1:shipment_failed",
                       "activity_emitted:1:erp.cancel_sales_order",
                       "transition:1:refund_created",
                       "operator_action:1",
                   }));
}

TEST_F(OpsTraceBuild, CarriesAttemptsDocumentsCompensationsAndRejections) {
  json trace = BuildTrace(r, StuckPolicy::Defaults(), At(1000));
  const json& timeline = trace["timeline"];
  const json& outcome = timeline[2];
  EXPECT_EQ(outcome["attempt"], 3);
  EXPECT_EQ(outcome["elapsed_ms"], 500);
  ASSERT_EQ(outcome["attempts"].size(), 3u) << outcome.dump(1);
  EXPECT_EQ(outcome["attempts"][0], (json{{"round", 1},
                                          {"attempt", 1},
                                          {"worker", "w1"},
                                          {"started_at", FormatTimestamp(At(100))},
                                          {"finished_at", FormatTimestamp(At(410))},
                                          {"duration_ms", 310},
                                          {"outcome", "retry"},
                                          {"error", "503: ERP unavailable"},
                                          {"error_class", nullptr}}));
  EXPECT_TRUE(outcome["attempts"][1]["outcome"].is_null());
  EXPECT_EQ(outcome["attempts"][1]["note"],
            "no outcome recorded (its worker stopped; lease expired)");
  EXPECT_EQ(outcome["attempts"][2]["outcome"], "succeeded");
  EXPECT_EQ(outcome["attempts"][2]["duration_ms"], 20);
  EXPECT_EQ(timeline[6]["attempts"][0]["error_class"], "permanent");
  // Still open: its attempts so far go with its emission.
  EXPECT_EQ(timeline[9]["status"], "pending");
  ASSERT_EQ(timeline[9]["attempts"].size(), 1u);
  EXPECT_EQ(timeline[9]["attempts"][0]["outcome"], "retry");
  EXPECT_FALSE(timeline[1].contains("attempts")) << "a finished task lists them on its outcome";
  EXPECT_EQ(outcome["error"], "503: ERP unavailable");
  EXPECT_EQ(outcome["documents"], (json{{"sales_order_id", "SO-1"}}));
  const json& compensation = timeline[9];
  EXPECT_TRUE(compensation["compensation"].get<bool>());
  EXPECT_EQ(compensation["compensates"]["activity"], "erp.create_sales_order");
  EXPECT_TRUE(timeline[10]["rejected"].get<bool>());
  EXPECT_EQ(trace["workflows"][0]["documents"], (json{{"sales_order_id", "SO-1"}}));
  EXPECT_EQ(trace["workflows"][1]["label"], "shipment#2");
  EXPECT_FALSE(trace["limitations"].empty());
  EXPECT_EQ(trace["limitations"].dump().find("not recorded"), std::string::npos);
}

TEST_F(OpsTraceBuild, SaysWhatOpenWorkflowsWaitFor) {
  json trace = BuildTrace(r, StuckPolicy::Defaults(), At(1000));
  ASSERT_EQ(trace["waiting"].size(), 1u) << "the failed shipment is finished";
  const json& w = trace["waiting"][0];
  EXPECT_EQ(w["workflow_id"], 1);
  EXPECT_EQ(w["since"], FormatTimestamp(At(800))) << "a rejected event does not reset `since`";
  std::string what = w["for"];
  EXPECT_NE(what.find("activity erp.cancel_sales_order (attempt 1/5, due "), std::string::npos)
      << what;
  EXPECT_NE(what.find("last error: 503: ERP unavailable"), std::string::npos) << what;
}

TEST_F(OpsTraceBuild, RendersAReadableTimeline) {
  std::string text = RenderTraceText(BuildTrace(r, StuckPolicy::Defaults(), At(1000)));
  for (const char* line :
       {"Trace of order s/orders/9 (workflow 1)",
        "order#1     start -> validating on order_received  by webhook:shopify",
        "< erp.create_sales_order succeeded after 3/5 attempts, 500 ms since emitted, error: 503: "
        "ERP unavailable, sales_order_id SO-1",
        "! compensation erp.cancel_sales_order  key erp.cancel_sales_order:k  (undoes "
        "erp.create_sales_order task 10)",
        "[rejected] refund_created in compensating: no transition  by webhook:wms",
        "operator DRY RUN retry by operator:alice: \"ERP is back\"",
        "order#1     compensating since",
        "attempt 1/5  08:00:00.100  310 ms  retry  503: ERP unavailable\n",
        "attempt 2/5  no outcome recorded (its worker stopped; lease expired)\n",
        "attempt 3/5  08:00:00.480  20 ms  succeeded\n",
        "attempt 1/5  08:00:00.600  100 ms  failed  422: not stocked (permanent)\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n---\n" << text;
  }
}

TEST(OpsTraceDocuments, PicksIdFields) {
  EXPECT_EQ(DocumentsOf(json{{"rma_id", "R1"}, {"items", json::object()}, {"x_id", 5}, {"id", 1}}),
            (json{{"rma_id", "R1"}, {"x_id", 5}}));
  EXPECT_EQ(DocumentsOf(json::array()), json::object());
}

}  // namespace
}  // namespace o2c::ops
