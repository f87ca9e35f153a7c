// Runbooks run against real histories (engine/ops/runbook_runner.h): the shipped runbook files
// select the right workflows, a dry run writes only its audit row, a real run writes one run
// row plus one per workflow acted on, and each workflow's transition names the runbook.
#include <filesystem>
#include <set>

#include "engine/ops/runbook.h"
#include "engine/ops/runbook_runner.h"
#include "tests/integration/ops_pgtest_fixture.h"

namespace o2c::testing {
namespace {

using activities::Outcome;
using activities::RetryAfter;
using nlohmann::json;

class OpsRunbookTest : public OpsPgTest {
 protected:
  static ops::Runbook Shipped(const std::string& name) {
    auto dir = std::filesystem::path(O2C_SOURCE_DIR) / "ops" / "runbooks";
    auto rb = ops::FindRunbook(dir.string(), name);
    EXPECT_TRUE(rb) << name;
    return rb.value_or(ops::Runbook{});
  }
  json Run(const std::string& name, bool dry_run, std::optional<int> limit = std::nullopt) {
    ops::RunbookRun run;
    run.reason = "INC-42 recovery";
    run.operator_name = "alice";
    run.dry_run = dry_run;
    run.limit = limit;
    return ops::RunRunbook(*ops_, Shipped(name), run);
  }
  int TransitionCount() { return std::stoi(One("SELECT count(*) FROM transitions")); }
};

TEST_F(OpsRunbookTest, ErpOutageRecoveryRetriesDeadErpTasksWithOneAuditedRun) {
  executor_.SetScript("erp.resolve_items", [](const auto&) -> std::optional<Outcome> {
    return RetryAfter{std::chrono::milliseconds(0), "503: ERP unavailable"};
  });
  std::vector<WorkflowId> parked = {StartOrder(9101), StartOrder(9102), StartOrder(9103)};
  SettleWithRetries();
  executor_.SetScript("erp.resolve_items", nullptr);
  WorkflowId healthy = StartOrder(9104);
  Settle();
  for (WorkflowId w : parked) ASSERT_EQ(Load(w).status, "needs_attention");
  ASSERT_EQ(Load(healthy).state, "fulfilling");
  clock_.Advance(std::chrono::minutes(2));  // min_age 1m

  const int before = TransitionCount();
  json plan = Run("erp-outage-recovery", true);
  EXPECT_EQ(plan["selected"], 3);
  for (const auto& r : plan["results"]) EXPECT_EQ(r["outcome"], "planned") << r.dump();
  EXPECT_EQ(TransitionCount(), before);
  auto rows = Rows(
      "SELECT workflow_id IS NULL, action, actor, dry_run::text, result->>'selected'"
      " FROM operator_actions");
  ASSERT_EQ(rows.size(), 1u) << "a dry run records only the run";
  EXPECT_EQ(rows[0], (std::vector<std::string>{"t", "runbook", "operator:alice", "true", "3"}));

  json result = Run("erp-outage-recovery", false, 2);
  EXPECT_EQ(result["selected"], 2);
  EXPECT_EQ(result["done"], 2);
  const std::string run_id = std::to_string(result["run_id"].get<std::int64_t>());
  rows = Rows(
      "SELECT action, actor, reason, dry_run::text, result->>'done', params->>'runbook'"
      " FROM operator_actions WHERE id = " +
      run_id + " AND workflow_id IS NULL");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"runbook", "operator:alice", "INC-42 recovery",
                                               "false", "2", "erp-outage-recovery"}));
  rows =
      Rows("SELECT workflow_id, action, actor FROM operator_actions WHERE params->>'run_id' = '" +
           run_id + "' ORDER BY workflow_id");
  ASSERT_EQ(rows.size(), 2u);
  std::set<WorkflowId> acted;
  for (const auto& row : rows) {
    EXPECT_EQ(row[1], "retry");
    EXPECT_EQ(row[2], "runbook:erp-outage-recovery");
    acted.insert(std::stoll(row[0]));
  }
  EXPECT_EQ(One("SELECT count(*) FROM transitions WHERE actor = 'runbook:erp-outage-recovery'"
                " AND event = 'operator_retry'"),
            "2");
  Settle();
  for (WorkflowId w : parked) {
    if (acted.count(w)) {
      EXPECT_EQ(Load(w).state, "fulfilling");
    } else {
      EXPECT_EQ(Load(w).status, "needs_attention") << "beyond --limit 2";
    }
  }
}

TEST_F(OpsRunbookTest, UnmappedSkuReleaseAndOverdueEscalationSelectOnlyTheirWorkflows) {
  executor_.SetScript(
      "erp.resolve_items", [](const activities::ActivityCall& call) -> std::optional<Outcome> {
        if (call.input["lines"][0]["sku"] == "NEW-SKU" &&
            call.idempotency_key.find(":2") == std::string::npos)
          return activities::Succeeded{{{"items", json::object()}, {"unmapped", {"NEW-SKU"}}}};
        return std::nullopt;
      });
  WorkflowId held = StartOrder(9201, {{"NEW-SKU"}});
  WorkflowId shipping = StartOrder(9202);
  Settle();
  ASSERT_EQ(Load(held).state, "on_hold");
  WorkflowId shipment = Shipment(9202).id;

  json release = Run("unmapped-sku-release", false);
  EXPECT_EQ(release["selected"], 1);
  EXPECT_EQ(release["results"][0]["workflow_id"], held);
  Settle();
  EXPECT_EQ(Load(held).state, "fulfilling");

  json early = Run("overdue-shipment-escalation", false);
  EXPECT_EQ(early["selected"], 0) << "nothing is 72 h old yet";
  clock_.Advance(std::chrono::hours(73));
  json overdue = Run("overdue-shipment-escalation", false);
  EXPECT_EQ(overdue["selected"], 2) << overdue.dump();  // both orders' shipments
  EXPECT_EQ(Load(shipment).status, "needs_attention");
  EXPECT_EQ(Load(shipment).attention_reason, "escalated: INC-42 recovery");
  EXPECT_EQ(Load(shipping).state, "fulfilling");
  json again = Run("overdue-shipment-escalation", false);
  EXPECT_EQ(again["selected"], 0) << "already escalated ones are not selected twice";
}

TEST_F(OpsRunbookTest, WmsRejectedCompensationCompensatesOnlyUnacceptedShipments) {
  executor_.SetScript("wms.create_fulfillment",
                      [](const activities::ActivityCall& call) -> std::optional<Outcome> {
                        if (call.idempotency_key.find("/orders/9301/") != std::string::npos)
                          return RetryAfter{std::chrono::milliseconds(0), "503: WMS unavailable"};
                        return std::nullopt;
                      });
  WorkflowId rejected_order = StartOrder(9301);
  WorkflowId fine_order = StartOrder(9302);
  SettleWithRetries();
  ASSERT_EQ(Shipment(9301).status, "needs_attention");
  // An accepted shipment parked for another reason is selected by status but refused.
  Exec("UPDATE workflows SET status = 'needs_attention', attention_reason = 'test' WHERE id = " +
       std::to_string(Shipment(9302).id));
  clock_.Advance(std::chrono::minutes(20));
  json result = Run("wms-rejected-compensation", false);
  EXPECT_EQ(result["selected"], 2) << result.dump();
  EXPECT_EQ(result["done"], 1);
  EXPECT_EQ(result["refused"], 1);
  Settle();
  EXPECT_EQ(Load(rejected_order).state, "compensated");
  EXPECT_EQ(Load(fine_order).state, "fulfilling");
  EXPECT_EQ(One("SELECT result->>'refused' FROM operator_actions WHERE workflow_id IS NULL"), "1");
}

}  // namespace
}  // namespace o2c::testing
