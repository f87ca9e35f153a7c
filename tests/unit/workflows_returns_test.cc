// Every row of the return and refund tables (LIFECYCLES.md) and their rejections.
#include <gtest/gtest.h>

#include "tests/unit/workflows_test_util.h"
#include "workflows/returns/return_actions.h"

namespace o2c::workflows {
namespace {

using testing::ApplyTo;
using testing::Failed;
using testing::RowCase;
using testing::Succeeded;
using testing::Summarize;

const std::string kBk = "shop.myshopify.com/returns/77";
const std::string kRefundBk = "shop.myshopify.com/refunds/88";

Json ReturnJson() {
  return {{"id", "77"},
          {"order_id", "1001"},
          {"lines",
           {{{"id", "r1"},
             {"line_item_id", "11"},
             {"sku", "SKU-A"},
             {"quantity", 2},
             {"unit_price", {{"amount_minor", 19900}, {"currency", "USD"}}}},
            {{"id", "r2"},
             {"line_item_id", "12"},
             {"sku", "SKU-B"},
             {"quantity", 1},
             {"unit_price", {{"amount_minor", 500}, {"currency", "USD"}}}}}}};
}
Json Ctx(Json extra = Json::object()) {
  Json c = {{"business_key", kBk}, {"return", ReturnJson()}, {"rma_id", "RMA-1"}};
  c.update(extra);
  return c;
}

std::vector<RowCase> ReturnRows() {
  return {
      {"start_return_requested",
       "start",
       {{"business_key", kBk}},
       "return_requested",
       {{"return", ReturnJson()}},
       "return_requested",
       "authorizing",
       {"activity:erp.create_rma"},
       "running"},
      {"authorizing_rma_created",
       "authorizing",
       Ctx(),
       "activity_succeeded",
       Succeeded("erp.create_rma", {{"rma_id", "RMA-1"}}),
       "rma_created",
       "awaiting_receipt",
       {"activity:wms.expect_return", "timer:return_window"},
       "running"},
      {"authorizing_activity_failed",
       "authorizing",
       Ctx(),
       "activity_failed",
       Failed("erp.create_rma", "permanent", "order_not_invoiced"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "order_not_invoiced"},
      {"awaiting_receipt_return_expected",
       "awaiting_receipt",
       Ctx(),
       "activity_succeeded",
       Succeeded("wms.expect_return", Json::object()),
       "return_expected",
       "awaiting_receipt",
       {},
       "waiting"},
      {"awaiting_receipt_received",
       "awaiting_receipt",
       Ctx({{"return_window_scheduled", true}}),
       "received",
       Json::object(),
       "received",
       "inspecting",
       {"cancel_timer:return_window"},
       "waiting"},
      {"awaiting_receipt_return_window_fired",
       "awaiting_receipt",
       Ctx(),
       "timer_fired",
       {{"name", "return_window"}},
       "return_window_fired",
       "expired",
       {"compensation:erp.cancel_rma"},
       "running"},
      {"awaiting_receipt_activity_failed",
       "awaiting_receipt",
       Ctx(),
       "activity_failed",
       Failed("wms.expect_return", "exhausted", "wms_down"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "wms_down"},
      {"inspecting_inspected_restock",
       "inspecting",
       Ctx(),
       "inspected",
       {{"disposition", "restock"}},
       "inspected",
       "crediting",
       {"activity:erp.issue_credit_memo"},
       "running"},
      {"inspecting_inspected_refurbish",
       "inspecting",
       Ctx(),
       "inspected",
       {{"disposition", "refurbish"}},
       "inspected",
       "crediting",
       {"activity:erp.issue_credit_memo"},
       "running"},
      {"inspecting_inspected_scrap",
       "inspecting",
       Ctx(),
       "inspected",
       {{"disposition", "scrap"}},
       "inspected",
       "crediting",
       {"activity:erp.issue_credit_memo"},
       "running"},
      {"inspecting_inspected_reject",
       "inspecting",
       Ctx(),
       "inspected",
       {{"disposition", "reject"}},
       "inspected",
       "rejected",
       {"activity:erp.close_rma"},
       "running"},
      {"crediting_credit_memo_issued",
       "crediting",
       Ctx(),
       "activity_succeeded",
       Succeeded("erp.issue_credit_memo", {{"credit_memo_id", "CM-1"}}),
       "credit_memo_issued",
       "refunding",
       {"activity:shopify.create_refund"},
       "running"},
      {"crediting_activity_failed",
       "crediting",
       Ctx(),
       "activity_failed",
       Failed("erp.issue_credit_memo", "permanent", "rma_closed"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "rma_closed"},
      {"refunding_refund_created",
       "refunding",
       Ctx({{"credit_memo_id", "CM-1"}}),
       "activity_succeeded",
       Succeeded("shopify.create_refund", {{"refund_id", "RF-1"}}),
       "refund_created",
       "closed",
       {},
       "closed"},
      {"refunding_refund_failed",
       "refunding",
       Ctx({{"credit_memo_id", "CM-1"}}),
       "activity_failed",
       Failed("shopify.create_refund", "permanent", "card_expired"),
       "refund_failed",
       "needs_attention",
       {"compensation:erp.void_credit_memo"},
       "needs_attention",
       "refund_failed"},
      {"rejected_rma_closed",
       "rejected",
       Ctx(),
       "activity_succeeded",
       Succeeded("erp.close_rma", Json::object()),
       "rma_closed",
       "closed",
       {},
       "closed"},
      {"rejected_activity_failed",
       "rejected",
       Ctx(),
       "activity_failed",
       Failed("erp.close_rma", "exhausted", "erp_down"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "erp_down"},
      {"expired_rma_cancelled",
       "expired",
       Ctx(),
       "activity_succeeded",
       Succeeded("erp.cancel_rma", Json::object()),
       "rma_cancelled",
       "closed",
       {},
       "closed"},
      {"expired_compensation_failed",
       "expired",
       Ctx(),
       "activity_failed",
       Failed("erp.cancel_rma", "exhausted"),
       "compensation_failed",
       "needs_attention",
       {},
       "needs_attention",
       "compensation_failed"},
      {"needs_attention_credit_memo_voided",
       "needs_attention",
       Ctx({{"attention_reason", "refund_failed"}}),
       "activity_succeeded",
       Succeeded("erp.void_credit_memo", Json::object()),
       "credit_memo_voided",
       "needs_attention",
       {},
       "needs_attention",
       "refund_failed"},
      {"needs_attention_void_failed",
       "needs_attention",
       Ctx({{"attention_reason", "refund_failed"}}),
       "activity_failed",
       Failed("erp.void_credit_memo", "exhausted"),
       "compensation_failed",
       "needs_attention",
       {},
       "needs_attention",
       "compensation_failed"},
  };
}

std::vector<RowCase> RefundRows() {
  const Json refund = {{"id", "88"},
                       {"order_id", "1001"},
                       {"amount", {{"amount_minor", 1000}, {"currency", "USD"}}},
                       {"lines", Json::array()}};
  const Json crediting = {{"business_key", kRefundBk}, {"refund", refund}};
  return {
      {"refund_start_refund_recorded",
       "start",
       {{"business_key", kRefundBk}},
       "refund_recorded",
       {{"refund", refund}},
       "refund_recorded",
       "crediting",
       {"activity:erp.issue_credit_memo"},
       "running"},
      {"refund_crediting_credit_memo_issued",
       "crediting",
       crediting,
       "activity_succeeded",
       Succeeded("erp.issue_credit_memo", {{"credit_memo_id", "CM-2"}}),
       "credit_memo_issued",
       "closed",
       {},
       "closed"},
      {"refund_crediting_activity_failed",
       "crediting",
       crediting,
       "activity_failed",
       Failed("erp.issue_credit_memo", "permanent", "currency_mismatch"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "currency_mismatch"},
  };
}

class ReturnRowTest : public ::testing::TestWithParam<RowCase> {};

TEST_P(ReturnRowTest, Transition) {
  const RowCase& c = GetParam();
  const char* type = c.name.rfind("refund_", 0) == 0 ? "refund" : "return";
  const Transition t = ApplyTo(type, c.state, c.ctx, c.event, c.payload);
  ExpectRow(t, c);
}

INSTANTIATE_TEST_SUITE_P(ReturnRows, ReturnRowTest, ::testing::ValuesIn(ReturnRows()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(RefundRows, ReturnRowTest, ::testing::ValuesIn(RefundRows()),
                         [](const auto& info) { return info.param.name; });

TEST(ReturnRejectTest, EveryStateRejectsAnEventWithoutARow) {
  for (const char* type : {"return", "refund"}) {
    for (const std::string& state : StatesOf(type)) {
      const std::string event = state == "start" ? "received" : "return_requested";
      const Transition t = ApplyTo(type, state, Ctx(), event, {{"return", ReturnJson()}});
      EXPECT_TRUE(t.rejected) << type << " " << state;
      EXPECT_EQ(t.to, state);
      EXPECT_TRUE(t.commands.empty());
      EXPECT_EQ(t.context, Ctx());
    }
  }
  EXPECT_TRUE(
      ApplyTo("return", "inspecting", Ctx(), "inspected", {{"disposition", "lost"}}).rejected);
  EXPECT_TRUE(ApplyTo("return", "bogus", Ctx(), "received").rejected);
  EXPECT_TRUE(ApplyTo("refund", "crediting", Ctx(), "bogus").rejected);
  EXPECT_TRUE(ApplyTo("refund", "start", {{"business_key", kRefundBk}}, "refund_recorded",
                      {{"refund", {{"id", "1"}}}})
                  .rejected)
      << "refund without an amount";
}

TEST(ReturnFinanceTest, CreditMemoAmountAndOrderOfFinanceSteps) {
  Transition t =
      ApplyTo("return", "inspecting", Ctx(), "inspected",
              {{"disposition", "restock"}, {"lines", {{{"line_id", "r1"}, {"quantity", 1}}}}});
  ASSERT_EQ(t.commands.size(), 1u);
  EXPECT_EQ(t.commands[0].input["amount"], (Json{{"amount_minor", 19900}, {"currency", "USD"}}));
  EXPECT_EQ(t.commands[0].idempotency_key, "erp.issue_credit_memo:" + kBk);
  t = ApplyTo("return", "inspecting", Ctx(), "inspected", {{"disposition", "scrap"}});
  EXPECT_EQ(t.commands[0].input["amount"]["amount_minor"], 2 * 19900 + 500);
  // The refund is only requested from crediting, i.e. after the credit memo exists.
  EXPECT_TRUE(ApplyTo("return", "inspecting", Ctx(), "activity_succeeded",
                      Succeeded("erp.issue_credit_memo", {{"credit_memo_id", "CM"}}))
                  .rejected);
  t = ApplyTo("return", "crediting", t.context, "activity_succeeded",
              Succeeded("erp.issue_credit_memo", {{"credit_memo_id", "CM-1"}}));
  EXPECT_EQ(t.commands[0].input["amount"]["amount_minor"], 2 * 19900 + 500);
  EXPECT_EQ(t.commands[0].input["skip_if_matching_refund"], true);
  t = ApplyTo("return", "refunding", t.context, "activity_failed",
              Failed("shopify.create_refund", "permanent"));
  EXPECT_EQ(t.commands[0].compensates, "erp.issue_credit_memo:" + kBk);
  EXPECT_EQ(t.commands[0].input["credit_memo_id"], "CM-1");
  EXPECT_TRUE(
      returns::CreditAmount(ReturnJson(), Json::array({{{"sku", "SKU-X"}, {"quantity", 1}}}))
          .is_null());
}

}  // namespace
}  // namespace o2c::workflows
