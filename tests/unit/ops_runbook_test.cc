// Runbook files (engine/ops/runbook.h): validation of the JSON a person writes, and the runbooks
// shipped in ops/runbooks/.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/ops/runbook.h"

namespace o2c::ops {
namespace {

nlohmann::json Valid() {
  return {{"name", "erp-outage-recovery"},
          {"description", "Retry dead ERP tasks once the ERP answers again; check first."},
          {"selector", {{"status", "needs_attention"}, {"activity", "erp.*"}, {"min_age", "5m"}}},
          {"action", "retry"},
          {"batch_limit", 10}};
}

std::string ProblemsOf(const nlohmann::json& j, const std::string& file = "erp-outage-recovery") {
  try {
    ParseRunbook(j, file);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(OpsRunbook, ParsesAValidRunbook) {
  Runbook rb = ParseRunbook(Valid(), "erp-outage-recovery");
  EXPECT_EQ(rb.action, "retry");
  EXPECT_EQ(rb.batch_limit, 10);
  EXPECT_EQ(rb.selector.activity, "erp.*");
  EXPECT_EQ(rb.selector.min_age, std::chrono::seconds(300));
  EXPECT_EQ(RunbookJson(rb)["selector"]["min_age"], "5m");
}

TEST(OpsRunbook, ListsEveryProblemAtOnce) {
  auto j = Valid();
  j["action"] = "delete";
  j["batch_limit"] = 0;
  j["selector"]["state"] = "flying";
  j["selector"]["min_age"] = "soon";
  j["extra"] = 1;
  std::string problems = ProblemsOf(j);
  for (const char* expected : {"action 'delete'", "batch_limit", "selector.state 'flying'",
                               "selector.min_age", "unknown field 'extra'"}) {
    EXPECT_NE(problems.find(expected), std::string::npos) << expected << " in:\n" << problems;
  }
}

TEST(OpsRunbook, RefusesUnsafeOrVagueRunbooks) {
  auto j = Valid();
  j["selector"] = nlohmann::json::object();
  EXPECT_NE(ProblemsOf(j).find("selector must narrow"), std::string::npos);
  j = Valid();
  j["action"] = "skip";
  EXPECT_NE(ProblemsOf(j).find("cannot be batched"), std::string::npos);
  j = Valid();
  j["description"] = "retry";
  EXPECT_NE(ProblemsOf(j).find("description"), std::string::npos);
  j = Valid();
  EXPECT_NE(ProblemsOf(j, "other-name").find("differs from the file name"), std::string::npos);
  j = Valid();
  j["name"] = "../etc";
  EXPECT_NE(ProblemsOf(j, "").find("lowercase"), std::string::npos);
  j = Valid();
  j["selector"]["type"] = "return";
  j["selector"]["state"] = {"routing"};
  EXPECT_NE(ProblemsOf(j).find("selector.state 'routing'"), std::string::npos);
  EXPECT_FALSE(FindRunbook("/nonexistent", "../../etc/passwd"));
}

TEST(OpsRunbook, TheShippedRunbooksAreValid) {
  const auto dir = std::filesystem::path(O2C_SOURCE_DIR) / "ops" / "runbooks";
  std::vector<Runbook> all = LoadRunbooks(dir.string());
  std::vector<std::string> names;
  for (const auto& rb : all) names.push_back(rb.name);
  EXPECT_EQ(names, (std::vector<std::string>{"erp-outage-recovery", "overdue-shipment-escalation",
                                             "unmapped-sku-release", "wms-rejected-compensation"}));
  auto erp = FindRunbook(dir.string(), "erp-outage-recovery");
  ASSERT_TRUE(erp);
  EXPECT_EQ(erp->action, "retry");
  EXPECT_EQ(erp->selector.activity, "erp.*");
}

}  // namespace
}  // namespace o2c::ops
