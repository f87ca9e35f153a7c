// The registry hands out the four lifecycles with exactly the LIFECYCLES.md state names.
#include <gtest/gtest.h>

#include "workflows/registry.h"

namespace o2c::workflows {
namespace {

using Names = std::vector<std::string>;

TEST(RegistryTest, TypesAndStateNames) {
  for (const std::string& type : WorkflowTypes()) {
    const Workflow* w = FindWorkflow(type);
    ASSERT_NE(w, nullptr) << type;
    EXPECT_EQ(w->type(), type);
    EXPECT_EQ(StatesOf(type).front(), kStartState);
  }
  EXPECT_EQ(FindWorkflow("invoice"), nullptr);
  EXPECT_TRUE(StatesOf("invoice").empty());
  EXPECT_EQ(StatesOf("order"),
            (Names{"start", "validating", "routing", "on_hold", "creating_erp_order", "fulfilling",
                   "cancelling", "compensating", "completed", "cancelled", "compensated",
                   "needs_attention"}));
  EXPECT_EQ(StatesOf("shipment"),
            (Names{"start", "requesting", "awaiting_pick", "picking", "packed", "partially_shipped",
                   "shipped", "closed", "failed", "cancelling", "cancelled", "needs_attention"}));
  EXPECT_EQ(StatesOf("return"),
            (Names{"start", "authorizing", "awaiting_receipt", "inspecting", "crediting",
                   "refunding", "closed", "rejected", "expired", "needs_attention"}));
  EXPECT_EQ(StatesOf("refund"), (Names{"start", "crediting", "closed", "needs_attention"}));
  EXPECT_TRUE(IsTerminalState("order", "compensated"));
  EXPECT_TRUE(IsTerminalState("shipment", "failed"));
  EXPECT_FALSE(IsTerminalState("return", "expired"));
}

TEST(RegistryTest, StatusOfEveryStateWithoutEvents) {
  // A rejected event reports the status of the unchanged state.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"order/completed", "completed"},
      {"order/cancelled", "cancelled"},
      {"order/compensated", "compensated"},
      {"order/on_hold", "needs_attention"},
      {"order/needs_attention", "needs_attention"},
      {"order/fulfilling", "waiting"},
      {"shipment/closed", "closed"},
      {"shipment/failed", "failed"},
      {"shipment/cancelled", "cancelled"},
      {"return/closed", "closed"},
      {"refund/closed", "closed"},
      {"refund/needs_attention", "needs_attention"}};
  for (const auto& [key, status] : expected) {
    const auto slash = key.find('/');
    const Transition t = FindWorkflow(key.substr(0, slash))
                             ->Apply(key.substr(slash + 1), {{"business_key", "k"}},
                                     Event{"no_such_event", Json::object()});
    EXPECT_TRUE(t.rejected);
    EXPECT_EQ(t.status, status) << key;
    EXPECT_EQ(t.attention_reason.has_value(), status == "needs_attention") << key;
  }
}

}  // namespace
}  // namespace o2c::workflows
