// Every row of the shipment table (LIFECYCLES.md), rejections and per-shipped-event keys.
#include <gtest/gtest.h>

#include "tests/unit/workflows_test_util.h"

namespace o2c::workflows {
namespace {

using testing::ApplyTo;
using testing::Failed;
using testing::RowCase;
using testing::Succeeded;
using testing::Summarize;

const std::string kBk = "shop.myshopify.com/orders/1001/shipments/1";

Json Requested() {
  return {{"business_key", kBk},
          {"location", "WH-1"},
          {"order_id", "1001"},
          {"sales_order_id", "SO-1"},
          {"lines", {{{"line_id", "11"}, {"quantity", 2}}, {{"line_id", "12"}, {"quantity", 1}}}},
          {"shipped_seq", 0}};
}
Json Awaiting() {
  Json c = Requested();
  c["fulfillment_id"] = "F-1";
  c["ship_sla_scheduled"] = true;
  return c;
}
Json Partial() {
  Json c = Awaiting();
  c["ship_sla_scheduled"] = false;
  c["shipped_seq"] = 1;
  c["shipped_qty"] = {{"11", 2}};
  c["pending_notifications"] = {1};
  c["pending_invoices"] = {1};
  return c;
}
Json ShippedCtx(Json notifications, Json invoices) {
  Json c = Partial();
  c["shipped_qty"] = {{"11", 2}, {"12", 1}};
  c["pending_notifications"] = std::move(notifications);
  c["pending_invoices"] = std::move(invoices);
  return c;
}

Json Ship(Json lines, const std::string& tracking = "1Z999AA10123456784") {
  return {{"lines", std::move(lines)}, {"carrier", "UPS"}, {"tracking_number", tracking}};
}
const Json kAll = {{{"line_id", "11"}, {"quantity", 2}}, {{"line_id", "12"}, {"quantity", 1}}};
const Json kFirst = {{{"line_id", "11"}, {"quantity", 2}}};
const Json kRest = {{{"line_id", "12"}, {"quantity", 1}}};

std::vector<RowCase> ShipmentRows() {
  const std::vector<std::string> kPair = {"activity:shopify.create_fulfillment",
                                          "activity:erp.post_invoice"};
  std::vector<std::string> kPairCancel = kPair;
  kPairCancel.push_back("cancel_timer:ship_sla");
  std::vector<RowCase> rows = {
      {"start_shipment_requested",
       "start",
       {{"business_key", kBk}},
       "shipment_requested",
       {{"location", "WH-1"}, {"lines", kAll}, {"sales_order_id", "SO-1"}},
       "shipment_requested",
       "requesting",
       {"activity:wms.create_fulfillment"},
       "running"},
      {"requesting_fulfillment_accepted",
       "requesting",
       Requested(),
       "activity_succeeded",
       Succeeded("wms.create_fulfillment", {{"fulfillment_id", "F-1"}}),
       "fulfillment_accepted",
       "awaiting_pick",
       {"timer:ship_sla"},
       "waiting"},
      {"requesting_fulfillment_rejected",
       "requesting",
       Requested(),
       "activity_failed",
       Failed("wms.create_fulfillment", "permanent", "unknown_location"),
       "fulfillment_rejected",
       "failed",
       {"signal_parent:shipment_failed"},
       "failed"},
      {"requesting_activity_failed",
       "requesting",
       Requested(),
       "activity_failed",
       Failed("wms.create_fulfillment", "exhausted", "wms_timeout"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "wms_timeout"},
      {"awaiting_pick_picked",
       "awaiting_pick",
       Awaiting(),
       "picked",
       Json::object(),
       "picked",
       "picking",
       {},
       "waiting"},
      {"awaiting_pick_packed",
       "awaiting_pick",
       Awaiting(),
       "packed",
       Json::object(),
       "packed",
       "packed",
       {},
       "waiting"},
      {"picking_packed",
       "picking",
       Awaiting(),
       "packed",
       Json::object(),
       "packed",
       "packed",
       {},
       "waiting"},
      {"partially_shipped_shipped_rest", "partially_shipped", Partial(), "shipped", Ship(kRest),
       "shipped", "shipped", kPair, "running"},
      {"partially_shipped_shipped_more", "partially_shipped",
       [] {
         Json c = Partial();
         c["shipped_qty"] = {{"11", 1}};
         return c;
       }(),
       "shipped", Ship({{{"line_id", "11"}, {"quantity", 1}}}), "shipped", "partially_shipped",
       kPair, "running"},
      {"partially_shipped_notified",
       "partially_shipped",
       Partial(),
       "activity_succeeded",
       Succeeded("shopify.create_fulfillment", Json::object(),
                 "shopify.create_fulfillment:" + kBk + ":1"),
       "fulfillment_notified",
       "partially_shipped",
       {},
       "waiting"},
      {"partially_shipped_invoice_posted",
       "partially_shipped",
       Partial(),
       "activity_succeeded",
       Succeeded("erp.post_invoice", Json::object(), "erp.post_invoice:" + kBk + ":1"),
       "invoice_posted",
       "partially_shipped",
       {},
       "waiting"},
      {"partially_shipped_activity_failed",
       "partially_shipped",
       Partial(),
       "activity_failed",
       Failed("erp.post_invoice", "permanent", "period_closed"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "period_closed"},
      {"shipped_last_notification_closes",
       "shipped",
       ShippedCtx({2}, Json::array()),
       "activity_succeeded",
       Succeeded("shopify.create_fulfillment", Json::object(),
                 "shopify.create_fulfillment:" + kBk + ":2"),
       "fulfillment_notified",
       "closed",
       {"signal_parent:shipment_closed"},
       "closed"},
      {"shipped_notification_not_last",
       "shipped",
       ShippedCtx({1}, {1}),
       "activity_succeeded",
       Succeeded("shopify.create_fulfillment", Json::object(),
                 "shopify.create_fulfillment:" + kBk + ":1"),
       "fulfillment_notified",
       "shipped",
       {},
       "waiting"},
      {"shipped_last_invoice_closes",
       "shipped",
       ShippedCtx(Json::array(), {1}),
       "activity_succeeded",
       Succeeded("erp.post_invoice", Json::object(), "erp.post_invoice:" + kBk + ":1"),
       "invoice_posted",
       "closed",
       {"signal_parent:shipment_closed"},
       "closed"},
      {"shipped_invoice_not_last",
       "shipped",
       ShippedCtx({1, 2}, {1, 2}),
       "activity_succeeded",
       Succeeded("erp.post_invoice", Json::object(), "erp.post_invoice:" + kBk + ":2"),
       "invoice_posted",
       "shipped",
       {},
       "waiting"},
      {"shipped_activity_failed",
       "shipped",
       ShippedCtx({1}, {1}),
       "activity_failed",
       Failed("erp.post_invoice", "exhausted", "erp_down"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "erp_down"},
      {"shipped_invalid_tracking",
       "shipped",
       ShippedCtx({1}, {1}),
       "activity_failed",
       Failed("shopify.create_fulfillment", "permanent", "invalid tracking_number"),
       "invalid_tracking",
       "needs_attention",
       {},
       "needs_attention",
       "invalid_tracking"},
      {"requesting_cancel",
       "requesting",
       Requested(),
       "cancel",
       Json::object(),
       "cancel",
       "cancelling",
       {"compensation:wms.cancel_fulfillment"},
       "running"},
      {"partially_shipped_cancel",
       "partially_shipped",
       Partial(),
       "cancel",
       Json::object(),
       "cancel",
       "cancelling",
       {"compensation:wms.cancel_fulfillment"},
       "running"},
      {"cancelling_fulfillment_cancelled",
       "cancelling",
       Awaiting(),
       "activity_succeeded",
       Succeeded("wms.cancel_fulfillment", Json::object()),
       "fulfillment_cancelled",
       "cancelled",
       {"signal_parent:shipment_cancelled"},
       "cancelled"},
      {"cancelling_already_shipped",
       "cancelling",
       Awaiting(),
       "activity_failed",
       Failed("wms.cancel_fulfillment", "conflict", "already shipped"),
       "already_shipped",
       "needs_attention",
       {"signal_parent:shipment_needs_attention"},
       "needs_attention",
       "cancel_after_ship"},
      {"cancelling_compensation_failed",
       "cancelling",
       Awaiting(),
       "activity_failed",
       Failed("wms.cancel_fulfillment", "exhausted"),
       "compensation_failed",
       "needs_attention",
       {"signal_parent:shipment_needs_attention"},
       "needs_attention",
       "compensation_failed"},
  };
  // Rows repeated over awaiting_pick, picking, packed.
  for (const char* s : {"awaiting_pick", "picking", "packed"}) {
    const std::string st = s;
    rows.push_back({st + "_shipped_all", st, Awaiting(), "shipped", Ship(kAll), "shipped",
                    "shipped", kPairCancel, "running"});
    rows.push_back({st + "_shipped_final_flag", st, Awaiting(), "shipped",
                    [] {
                      Json p = Ship(kFirst);
                      p["final"] = true;
                      return p;
                    }(),
                    "shipped", "shipped", kPairCancel, "running"});
    rows.push_back({st + "_shipped_partial", st, Awaiting(), "shipped", Ship(kFirst), "shipped",
                    "partially_shipped", kPairCancel, "running"});
    rows.push_back({st + "_invalid_tracking",
                    st,
                    Awaiting(),
                    "shipped",
                    Ship(kAll, "1Z 999"),
                    "invalid_tracking",
                    "needs_attention",
                    {},
                    "needs_attention",
                    "invalid_tracking"});
    rows.push_back({st + "_cancel",
                    st,
                    Awaiting(),
                    "cancel",
                    Json::object(),
                    "cancel",
                    "cancelling",
                    {"compensation:wms.cancel_fulfillment", "cancel_timer:ship_sla"},
                    "running"});
    rows.push_back({st + "_ship_sla_fired",
                    st,
                    Awaiting(),
                    "timer_fired",
                    {{"name", "ship_sla"}},
                    "ship_sla_fired",
                    st,
                    {},
                    "waiting"});
  }
  rows.push_back({"partially_shipped_invalid_tracking",
                  "partially_shipped",
                  Partial(),
                  "shipped",
                  Ship(kRest, ""),
                  "invalid_tracking",
                  "needs_attention",
                  {},
                  "needs_attention",
                  "invalid_tracking"});
  rows.push_back({"shipped_invalid_tracking_event",
                  "shipped",
                  ShippedCtx({1}, {1}),
                  "invalid_tracking",
                  Json::object(),
                  "invalid_tracking",
                  "needs_attention",
                  {},
                  "needs_attention",
                  "invalid_tracking"});
  return rows;
}

class ShipmentRowTest : public ::testing::TestWithParam<RowCase> {};

TEST_P(ShipmentRowTest, Transition) {
  const RowCase& c = GetParam();
  const Transition t = ApplyTo("shipment", c.state, c.ctx, c.event, c.payload);
  ExpectRow(t, c);
}

INSTANTIATE_TEST_SUITE_P(Rows, ShipmentRowTest, ::testing::ValuesIn(ShipmentRows()),
                         [](const auto& info) { return info.param.name; });

TEST(ShipmentRejectTest, EveryStateRejectsAnEventWithoutARow) {
  for (const std::string& state : StatesOf("shipment")) {
    const std::string event = state == "start" ? "picked" : "shipment_requested";
    const Transition t =
        ApplyTo("shipment", state, Awaiting(), event, {{"location", "WH-1"}, {"lines", kAll}});
    EXPECT_TRUE(t.rejected) << state;
    EXPECT_EQ(t.to, state);
    EXPECT_TRUE(t.commands.empty());
    EXPECT_EQ(t.context, Awaiting());
  }
}

TEST(ShipmentRejectTest, CancelAfterShippedIsRejectedAndDuplicatesAreRejected) {
  EXPECT_TRUE(ApplyTo("shipment", "shipped", ShippedCtx({1}, {1}), "cancel").rejected);
  EXPECT_TRUE(ApplyTo("shipment", "closed", ShippedCtx({}, {}), "cancel").rejected);
  // An outcome that is not pending (a duplicate delivery) is rejected, not double-counted.
  const Transition dup =
      ApplyTo("shipment", "shipped", ShippedCtx(Json::array(), {1}), "activity_succeeded",
              Succeeded("shopify.create_fulfillment", Json::object(),
                        "shopify.create_fulfillment:" + kBk + ":1"));
  EXPECT_TRUE(dup.rejected);
  EXPECT_TRUE(
      ApplyTo("shipment", "awaiting_pick", Awaiting(), "timer_fired", {{"name", "return_window"}})
          .rejected);
  EXPECT_TRUE(ApplyTo("shipment", "awaiting_pick", Awaiting(), "bogus").rejected);
  EXPECT_TRUE(ApplyTo("shipment", "bogus", Awaiting(), "picked").rejected);
}

TEST(ShipmentKeysTest, EachShippedEventGetsItsOwnPair) {
  Transition t = ApplyTo("shipment", "awaiting_pick", Awaiting(), "shipped", Ship(kFirst));
  ASSERT_EQ(t.to, "partially_shipped");
  EXPECT_EQ(t.commands[0].idempotency_key, "shopify.create_fulfillment:" + kBk + ":1");
  EXPECT_EQ(t.commands[1].idempotency_key, "erp.post_invoice:" + kBk + ":1");
  EXPECT_EQ(t.commands[1].input["lines"], kFirst);
  t = ApplyTo("shipment", t.to, t.context, "shipped", Ship(kRest));
  ASSERT_EQ(t.to, "shipped");
  EXPECT_EQ(t.commands[0].idempotency_key, "shopify.create_fulfillment:" + kBk + ":2");
  EXPECT_EQ(t.commands[1].idempotency_key, "erp.post_invoice:" + kBk + ":2");
  // All four outcomes are needed before closed.
  const char* acts[] = {"shopify.create_fulfillment", "erp.post_invoice"};
  std::string state = t.to;
  Json ctx = t.context;
  int n = 0;
  for (int seq : {1, 2}) {
    for (const char* a : acts) {
      t = ApplyTo(
          "shipment", state, ctx, "activity_succeeded",
          Succeeded(a, Json::object(), std::string(a) + ":" + kBk + ":" + std::to_string(seq)));
      ASSERT_FALSE(t.rejected) << t.rejection_reason;
      state = t.to;
      ctx = t.context;
      EXPECT_EQ(state, ++n == 4 ? "closed" : "shipped");
    }
  }
}

TEST(ShipmentKeysTest, CancelCompensatesCreateAndTimerOverride) {
  Json ctx = Requested();
  ctx["timer_overrides"] = {{"ship_sla", 5}};
  Transition t = ApplyTo("shipment", "requesting", ctx, "activity_succeeded",
                         Succeeded("wms.create_fulfillment", {{"fulfillment_id", "F-9"}}));
  ASSERT_EQ(t.commands.size(), 1u);
  EXPECT_EQ(t.commands[0].timer_delay, std::chrono::seconds(5));
  EXPECT_EQ(ApplyTo("shipment", "requesting", Requested(), "activity_succeeded",
                    Succeeded("wms.create_fulfillment", Json::object()))
                .commands[0]
                .timer_delay,
            std::chrono::hours(72));
  t = ApplyTo("shipment", "awaiting_pick", t.context, "cancel");
  EXPECT_EQ(t.commands[0].idempotency_key, "wms.cancel_fulfillment:" + kBk);
  EXPECT_EQ(t.commands[0].compensates, "wms.create_fulfillment:" + kBk);
  EXPECT_EQ(t.commands[0].input["fulfillment_id"], "F-9");
}

TEST(ShipmentTrackingTest, Validation) {
  for (const char* bad :
       {"", "1Z 99", "abc", "12345678901234567890123456789012345678901234567890123456789012345"}) {
    EXPECT_EQ(ApplyTo("shipment", "packed", Awaiting(), "shipped", Ship(kAll, bad)).event,
              "invalid_tracking")
        << bad;
  }
  Json no_tracking = Ship(kAll);
  no_tracking.erase("tracking_number");
  EXPECT_EQ(ApplyTo("shipment", "packed", Awaiting(), "shipped", no_tracking).to,
            "needs_attention");
}

}  // namespace
}  // namespace o2c::workflows
