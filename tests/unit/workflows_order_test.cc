// Every row of the order table (LIFECYCLES.md), rejections, keys and the compensation saga.
#include <gtest/gtest.h>

#include "tests/unit/workflows_test_util.h"
#include "workflows/registry.h"

namespace o2c::workflows {
namespace {

using testing::ApplyTo;
using testing::Failed;
using testing::RowCase;
using testing::Succeeded;
using testing::Summarize;

const std::string kBk = "shop.myshopify.com/orders/1001";
const std::string kS1 = kBk + "/shipments/1";
const std::string kS2 = kBk + "/shipments/2";

Json OrderJson(const std::string& financial = "paid", const std::string& risk = "low") {
  return {{"id", "1001"},
          {"name", "#1001"},
          {"currency", "USD"},
          {"financial_status", financial},
          {"risk_level", risk},
          {"total", {{"amount_minor", 49800}, {"currency", "USD"}}},
          {"lines",
           {{{"id", "11"}, {"sku", "SKU-A"}, {"quantity", 2}},
            {{"id", "12"}, {"sku", "SKU-B"}, {"quantity", 1}}}},
          {"shipping_address", {{"city", "Ottawa"}, {"country_code", "CA"}}}};
}

Json Allocations() {
  return Json::array({{{"location", "WH-1"}, {"lines", {{{"line_id", "11"}, {"quantity", 2}}}}},
                      {{"location", "WH-2"}, {"lines", {{{"line_id", "12"}, {"quantity", 1}}}}}});
}

Json Validating(const std::string& financial = "paid", const std::string& risk = "low") {
  return {{"business_key", kBk}, {"order", OrderJson(financial, risk)}, {"attempt", 1}};
}
Json RoutingCtx() {
  Json c = Validating();
  c["items"] = {{"SKU-A", "E-1"}, {"SKU-B", "E-2"}};
  return c;
}
Json Creating() {
  Json c = RoutingCtx();
  c["allocations"] = Allocations();
  c["erp_order"] = "requested";
  return c;
}
Json Fulfilling(const std::string& s1 = "open", const std::string& s2 = "open") {
  Json c = Creating();
  c["erp_order"] = "created";
  c["sales_order_id"] = "SO-1";
  c["shipments"] = {{kS1, s1}, {kS2, s2}};
  return c;
}
Json Undoing(const std::string& s1, const std::string& s2, const std::string& erp = "created",
             bool cancel = true) {
  Json c = Fulfilling(s1, s2);
  c["erp_order"] = erp;
  if (cancel) c["cancel_requested"] = true;
  return c;
}
Json OnHold(const std::string& reason) {
  Json c = Validating("pending");
  c["attention_reason"] = reason;
  return c;
}
Json Parked() {
  Json c = Creating();
  c["erp_order"] = "created";
  c["sales_order_id"] = "SO-1";
  c["attention_reason"] = "compensation_failed";
  return c;
}

// Parked after erp.create_sales_order failed for good: refused (not_created) or after retries
// that may have reached the ERP (unknown).
Json ParkedAtCreate(const std::string& erp) {
  Json c = Creating();
  c["erp_order"] = erp;
  c["attention_reason"] = "timeout";
  return c;
}

Json Child(const std::string& key, const std::string& reason = "") {
  Json p = {{"child_key", key}};
  if (!reason.empty()) p["reason"] = reason;
  return p;
}

const Json kResolved =
    Succeeded("erp.resolve_items",
              {{"items", {{"SKU-A", "E-1"}, {"SKU-B", "E-2"}}}, {"unmapped", Json::array()}});
const Json kCreated = Succeeded("erp.create_sales_order", {{"sales_order_id", "SO-1"}});
const Json kSoCancelled = Succeeded("erp.cancel_sales_order", Json::object());

std::vector<RowCase> OrderRows() {
  const std::string kSig1 = "signal_child:" + kS1 + ":cancel";
  const std::string kSig2 = "signal_child:" + kS2 + ":cancel";
  return {
      {"start_order_received",
       "start",
       {{"business_key", kBk}},
       "order_received",
       {{"order", OrderJson()}},
       "order_received",
       "validating",
       {"activity:erp.resolve_items"},
       "running"},
      {"validating_items_resolved",
       "validating",
       Validating(),
       "activity_succeeded",
       kResolved,
       "items_resolved",
       "routing",
       {"activity:routing.assign"},
       "running"},
      {"validating_unmapped_sku",
       "validating",
       Validating(),
       "activity_succeeded",
       Succeeded("erp.resolve_items", {{"items", {{"SKU-A", "E-1"}}}, {"unmapped", {"SKU-B"}}}),
       "unmapped_sku",
       "on_hold",
       {},
       "needs_attention",
       "unmapped_sku"},
      {"validating_payment_pending",
       "validating",
       Validating("pending"),
       "activity_succeeded",
       kResolved,
       "payment_pending",
       "on_hold",
       {},
       "needs_attention",
       "payment_pending"},
      {"validating_high_risk",
       "validating",
       Validating("paid", "high"),
       "activity_succeeded",
       kResolved,
       "high_risk",
       "on_hold",
       {},
       "needs_attention",
       "high_risk"},
      {"validating_order_updated",
       "validating",
       Validating("pending"),
       "order_updated",
       {{"order", OrderJson()}},
       "order_updated",
       "validating",
       {},
       "waiting"},
      {"on_hold_order_updated",
       "on_hold",
       OnHold("payment_pending"),
       "order_updated",
       {{"order", OrderJson()}},
       "order_updated",
       "validating",
       {"activity:erp.resolve_items"},
       "running"},
      {"on_hold_release",
       "on_hold",
       OnHold("unmapped_sku"),
       "release",
       Json::object(),
       "release",
       "validating",
       {"activity:erp.resolve_items"},
       "running"},
      {"routing_allocated",
       "routing",
       RoutingCtx(),
       "activity_succeeded",
       Succeeded("routing.assign", {{"allocations", Allocations()}}),
       "allocated",
       "creating_erp_order",
       {"activity:erp.create_sales_order"},
       "running"},
      {"routing_no_stock",
       "routing",
       RoutingCtx(),
       "activity_succeeded",
       Succeeded("routing.assign", {{"no_stock", true}}),
       "no_stock",
       "on_hold",
       {},
       "needs_attention",
       "no_stock"},
      {"routing_no_allocations",
       "routing",
       RoutingCtx(),
       "activity_succeeded",
       Succeeded("routing.assign", {{"allocations", Json::array()}}),
       "no_stock",
       "on_hold",
       {},
       "needs_attention",
       "no_stock"},
      {"creating_erp_order_created",
       "creating_erp_order",
       Creating(),
       "activity_succeeded",
       kCreated,
       "erp_order_created",
       "fulfilling",
       {"start_child:" + kS1, "start_child:" + kS2},
       "waiting"},
      {"fulfilling_last_shipment_closed",
       "fulfilling",
       Fulfilling("closed", "open"),
       "shipment_closed",
       Child(kS2),
       "shipment_closed",
       "completed",
       {},
       "completed"},
      {"fulfilling_shipment_closed_not_last",
       "fulfilling",
       Fulfilling(),
       "shipment_closed",
       Child(kS1),
       "shipment_closed",
       "fulfilling",
       {},
       "waiting"},
      {"fulfilling_shipment_failed",
       "fulfilling",
       Fulfilling(),
       "shipment_failed",
       Child(kS1, "rejected"),
       "shipment_failed",
       "compensating",
       {kSig2},
       "waiting"},
      {"fulfilling_shipment_failed_after_ship",
       "fulfilling",
       Fulfilling("open", "closed"),
       "shipment_failed",
       Child(kS1),
       "shipment_failed",
       "needs_attention",
       {},
       "needs_attention",
       "cancel_after_ship"},
      {"validating_activity_failed",
       "validating",
       Validating(),
       "activity_failed",
       Failed("erp.resolve_items", "exhausted", "erp_unavailable"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "erp_unavailable"},
      {"routing_activity_failed",
       "routing",
       RoutingCtx(),
       "activity_failed",
       Failed("routing.assign", "permanent", "bad_address"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "bad_address"},
      {"creating_activity_failed",
       "creating_erp_order",
       Creating(),
       "activity_failed",
       Failed("erp.create_sales_order", "permanent", "credit_hold"),
       "activity_failed",
       "needs_attention",
       {},
       "needs_attention",
       "credit_hold"},
      {"validating_order_cancelled",
       "validating",
       Validating(),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "cancelled",
       {},
       "cancelled"},
      {"routing_order_cancelled",
       "routing",
       RoutingCtx(),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "cancelled",
       {},
       "cancelled"},
      {"on_hold_order_cancelled",
       "on_hold",
       OnHold("high_risk"),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "cancelled",
       {},
       "cancelled"},
      {"creating_order_cancelled",
       "creating_erp_order",
       Creating(),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "cancelling",
       {},
       "waiting"},
      {"fulfilling_order_cancelled",
       "fulfilling",
       Fulfilling(),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "cancelling",
       {kSig1, kSig2},
       "waiting"},
      {"fulfilling_order_cancelled_after_ship",
       "fulfilling",
       Fulfilling("closed", "open"),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "needs_attention",
       {},
       "needs_attention",
       "cancel_after_ship"},
      {"needs_attention_order_cancelled",
       "needs_attention",
       Parked(),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "cancelling",
       {"compensation:erp.cancel_sales_order"},
       "running"},
      {"needs_attention_order_cancelled_erp_order_never_created",
       "needs_attention",
       ParkedAtCreate("not_created"),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "cancelled",
       {},
       "cancelled"},
      {"needs_attention_order_cancelled_erp_order_unknown",
       "needs_attention",
       ParkedAtCreate("unknown"),
       "order_cancelled",
       Json::object(),
       "order_cancelled",
       "needs_attention",
       {},
       "needs_attention",
       "cancel_needs_erp_check"},
      {"creating_erp_order_created_after_a_held_cancel",
       "creating_erp_order",
       [] {
         Json c = ParkedAtCreate("unknown");
         c["cancel_requested"] = true;
         c.erase("attention_reason");
         return c;
       }(),
       "activity_succeeded",
       kCreated,
       "erp_order_created",
       "cancelling",
       {"compensation:erp.cancel_sales_order"},
       "running"},
      {"cancelling_late_erp_order_created",
       "cancelling",
       Undoing("", "", "requested"),
       "activity_succeeded",
       kCreated,
       "erp_order_created",
       "cancelling",
       {"compensation:erp.cancel_sales_order"},
       "running"},
      {"cancelling_create_failed",
       "cancelling",
       Undoing("", "", "requested"),
       "activity_failed",
       Failed("erp.create_sales_order", "permanent"),
       "activity_failed",
       "cancelled",
       {},
       "cancelled"},
      {"cancelling_shipment_cancelled_last",
       "cancelling",
       Undoing("cancelled", "cancelling"),
       "shipment_cancelled",
       Child(kS2),
       "shipment_cancelled",
       "cancelling",
       {"compensation:erp.cancel_sales_order"},
       "running"},
      {"cancelling_shipment_failed_not_last",
       "cancelling",
       Undoing("cancelling", "cancelling"),
       "shipment_failed",
       Child(kS1),
       "shipment_failed",
       "cancelling",
       {},
       "waiting"},
      {"cancelling_all_compensations_done",
       "cancelling",
       Undoing("cancelled", "cancelled", "cancel_requested"),
       "activity_succeeded",
       kSoCancelled,
       "sales_order_cancelled",
       "cancelled",
       {},
       "cancelled"},
      {"cancelling_shipment_needs_attention",
       "cancelling",
       Undoing("cancelling", "cancelled"),
       "shipment_needs_attention",
       Child(kS1, "cancel_after_ship"),
       "shipment_needs_attention",
       "needs_attention",
       {},
       "needs_attention",
       "cancel_after_ship"},
      {"cancelling_shipment_closed",
       "cancelling",
       Undoing("cancelling", "cancelled"),
       "shipment_closed",
       Child(kS1),
       "shipment_closed",
       "needs_attention",
       {},
       "needs_attention",
       "cancel_after_ship"},
      {"cancelling_compensation_failed",
       "cancelling",
       Undoing("cancelled", "cancelled", "cancel_requested"),
       "activity_failed",
       Failed("erp.cancel_sales_order", "exhausted"),
       "compensation_failed",
       "needs_attention",
       {},
       "needs_attention",
       "compensation_failed"},
      {"compensating_shipment_cancelled_last",
       "compensating",
       Undoing("failed", "cancelling", "created", false),
       "shipment_cancelled",
       Child(kS2),
       "shipment_cancelled",
       "compensating",
       {"compensation:erp.cancel_sales_order"},
       "running"},
      {"compensating_shipment_failed_not_last",
       "compensating",
       Undoing("cancelling", "cancelling", "created", false),
       "shipment_failed",
       Child(kS2),
       "shipment_failed",
       "compensating",
       {},
       "waiting"},
      {"compensating_all_compensations_done",
       "compensating",
       Undoing("failed", "cancelled", "cancel_requested", false),
       "activity_succeeded",
       kSoCancelled,
       "sales_order_cancelled",
       "compensated",
       {},
       "compensated"},
      {"compensating_shipment_needs_attention",
       "compensating",
       Undoing("failed", "cancelling", "created", false),
       "shipment_needs_attention",
       Child(kS2, "cancel_after_ship"),
       "shipment_needs_attention",
       "needs_attention",
       {},
       "needs_attention",
       "cancel_after_ship"},
      {"compensating_shipment_closed",
       "compensating",
       Undoing("failed", "cancelling", "created", false),
       "shipment_closed",
       Child(kS2),
       "shipment_closed",
       "needs_attention",
       {},
       "needs_attention",
       "cancel_after_ship"},
      {"compensating_compensation_failed",
       "compensating",
       Undoing("failed", "cancelled", "cancel_requested", false),
       "activity_failed",
       Failed("erp.cancel_sales_order", "permanent"),
       "compensation_failed",
       "needs_attention",
       {},
       "needs_attention",
       "compensation_failed"},
  };
}

class OrderRowTest : public ::testing::TestWithParam<RowCase> {};

TEST_P(OrderRowTest, Transition) {
  const RowCase& c = GetParam();
  const Transition t = ApplyTo("order", c.state, c.ctx, c.event, c.payload);
  ExpectRow(t, c);
  if (HasFatalFailure()) return;
  if (c.status != "needs_attention") {
    EXPECT_FALSE(t.attention_reason.has_value());
  }
  for (const Command& cmd : t.commands) {
    if (cmd.kind == Command::Kind::kActivity) {
      EXPECT_EQ(cmd.idempotency_key.rfind(cmd.activity + ":" + kBk, 0), 0u) << cmd.idempotency_key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, OrderRowTest, ::testing::ValuesIn(OrderRows()),
                         [](const auto& info) { return info.param.name; });

// A create that failed for good says what the ERP may hold: nothing after a refusal, unknown
// after retries that may have reached it.
TEST(OrderParkTest, AFailedCreateRecordsWhatTheErpMayHold) {
  for (const auto& [error_class, erp] : std::vector<std::pair<std::string, std::string>>{
           {"permanent", "not_created"}, {"conflict", "not_created"}, {"exhausted", "unknown"}}) {
    const Transition t = ApplyTo("order", "creating_erp_order", Creating(), "activity_failed",
                                 Failed("erp.create_sales_order", error_class, "timeout"));
    ASSERT_FALSE(t.rejected) << t.rejection_reason;
    EXPECT_EQ(t.to, "needs_attention");
    EXPECT_EQ(t.context["erp_order"], erp) << error_class;
  }
  // A held cancel is kept in the context for the ERP's answer.
  const Transition held =
      ApplyTo("order", "needs_attention", ParkedAtCreate("unknown"), "order_cancelled");
  EXPECT_EQ(held.context["cancel_requested"], true);
}

// Every state: an event that has no row is rejected, unchanged, without commands.
TEST(OrderRejectTest, EveryStateRejectsAnEventWithoutARow) {
  for (const std::string& state : StatesOf("order")) {
    const std::string event = state == "start" ? "release" : "order_received";
    const Json ctx = Fulfilling();
    const Transition t = ApplyTo("order", state, ctx, event, {{"order", OrderJson()}});
    EXPECT_TRUE(t.rejected) << state;
    EXPECT_EQ(t.to, state);
    EXPECT_TRUE(t.commands.empty());
    EXPECT_EQ(t.context, ctx);
    EXPECT_EQ(t.event, event);
    EXPECT_FALSE(t.rejection_reason.empty());
  }
}

TEST(OrderRejectTest, TerminalStatesRejectEverything) {
  for (const char* state : {"completed", "cancelled", "compensated"}) {
    for (const std::string& event : EventsOf("order")) {
      const Transition t = ApplyTo("order", state, Fulfilling(), event, Child(kS1));
      EXPECT_TRUE(t.rejected) << state << " " << event;
      EXPECT_EQ(t.status, state);
    }
  }
}

TEST(OrderRejectTest, ExhaustiveStateEventGridNeverBreaksInvariants) {
  const std::vector<Json> payloads = {Json::object(), Child(kS1),    kResolved,     kCreated,
                                      Json::array(),  Json(nullptr), {{"order", 5}}};
  for (const std::string& state : StatesOf("order")) {
    for (const std::string& event : EventsOf("order")) {
      for (const Json& p : payloads) {
        const Transition t = ApplyTo("order", state, Fulfilling(), event, p);
        if (t.rejected) {
          EXPECT_EQ(t.to, state);
          EXPECT_TRUE(t.commands.empty());
        }
        EXPECT_FALSE(t.status.empty());
      }
    }
  }
}

TEST(OrderRejectTest, UnknownEventAndStateAreRejected) {
  Transition t = ApplyTo("order", "validating", Validating(), "no_such_event");
  EXPECT_TRUE(t.rejected);
  EXPECT_EQ(t.to, "validating");
  t = ApplyTo("order", "no_such_state", Validating(), "order_received", {{"order", OrderJson()}});
  EXPECT_TRUE(t.rejected);
  EXPECT_EQ(t.to, "no_such_state");
  EXPECT_EQ(t.rejection_reason, "unknown state");
  t = ApplyTo("order", "validating", Validating(), "activity_succeeded",
              Succeeded("wms.create_fulfillment", Json::object()));
  EXPECT_TRUE(t.rejected);
}

TEST(OrderRejectTest, GuardsAndBadPayloadsReject) {
  // items_resolved is only taken with payment and risk ok; the facade never sends it otherwise,
  // but a replayed raw event must not slip through.
  Transition t = ApplyTo("order", "validating", Validating("pending"), "items_resolved",
                         {{"result", {{"items", Json::object()}}}});
  EXPECT_TRUE(t.rejected);
  t = ApplyTo("order", "routing", RoutingCtx(), "activity_succeeded",
              Succeeded("routing.assign", {{"allocations", {{{"lines", 3}}}}}));
  EXPECT_TRUE(t.rejected);
  EXPECT_NE(t.rejection_reason.find("result.allocations[0].location"), std::string::npos);
  t = ApplyTo("order", "start", Json::object(), "order_received", {{"order", OrderJson()}});
  EXPECT_TRUE(t.rejected) << "no business key";
  t = ApplyTo("order", "fulfilling", Fulfilling(), "shipment_closed", Child("unknown/child"));
  EXPECT_TRUE(t.rejected);
  t = ApplyTo("order", "start", Json("not an object"), "order_received", {{"order", OrderJson()}});
  EXPECT_TRUE(t.rejected);
}

TEST(OrderKeysTest, IdempotencyKeysAreStableAndAttemptScoped) {
  const Transition a = ApplyTo("order", "start", {{"business_key", kBk}}, "order_received",
                               {{"order", OrderJson()}});
  const Transition b = ApplyTo("order", "start", {{"business_key", kBk}}, "order_received",
                               {{"order", OrderJson()}});
  ASSERT_EQ(a.commands.size(), 1u);
  EXPECT_EQ(a.commands[0].idempotency_key, "erp.resolve_items:" + kBk);
  EXPECT_EQ(a.commands[0].idempotency_key, b.commands[0].idempotency_key);
  // A release starts attempt 2: a new key, so the dead first task is not "replayed".
  Json held = a.context;
  held["attention_reason"] = "unmapped_sku";
  const Transition r = ApplyTo("order", "on_hold", held, "release");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].idempotency_key, "erp.resolve_items:" + kBk + ":2");
  EXPECT_FALSE(r.context.contains("attention_reason"));
  // The late result of attempt 1 is stale now.
  const Transition stale = ApplyTo(
      "order", "validating", r.context, "activity_succeeded",
      Succeeded("erp.resolve_items", {{"items", Json::object()}}, "erp.resolve_items:" + kBk));
  EXPECT_TRUE(stale.rejected);
  const Transition fresh = ApplyTo("order", "validating", r.context, "activity_succeeded",
                                   Succeeded("erp.resolve_items", {{"items", Json::object()}},
                                             "erp.resolve_items:" + kBk + ":2"));
  EXPECT_FALSE(fresh.rejected);
  EXPECT_EQ(fresh.commands[0].idempotency_key, "routing.assign:" + kBk + ":2");
  // The sales order key never varies.
  const Transition so = ApplyTo("order", "routing", RoutingCtx(), "activity_succeeded",
                                Succeeded("routing.assign", {{"allocations", Allocations()}}));
  EXPECT_EQ(so.commands[0].idempotency_key, "erp.create_sales_order:" + kBk);
}

TEST(OrderSagaTest, CompensationRunsInReverseOrder) {
  // fulfilling with two shipments; shipment 1 fails permanently.
  Transition t = ApplyTo("order", "fulfilling", Fulfilling(), "shipment_failed", Child(kS1));
  ASSERT_EQ(t.to, "compensating");
  ASSERT_EQ(Summarize(t.commands), (std::vector<std::string>{"signal_child:" + kS2 + ":cancel"}));
  EXPECT_EQ(t.commands[0].child_type, "shipment");
  // The ERP order is cancelled only after the other shipment is.
  t = ApplyTo("order", t.to, t.context, "shipment_cancelled", Child(kS2));
  ASSERT_EQ(t.to, "compensating");
  ASSERT_EQ(t.commands.size(), 1u);
  const Command& cancel = t.commands[0];
  EXPECT_TRUE(cancel.compensation);
  EXPECT_EQ(cancel.activity, "erp.cancel_sales_order");
  EXPECT_EQ(cancel.idempotency_key, "erp.cancel_sales_order:" + kBk);
  EXPECT_EQ(cancel.compensates, "erp.create_sales_order:" + kBk);
  EXPECT_EQ(cancel.input["sales_order_id"], "SO-1");
  t = ApplyTo("order", t.to, t.context, "activity_succeeded",
              Succeeded("erp.cancel_sales_order", Json::object()));
  EXPECT_EQ(t.to, "compensated");
  EXPECT_EQ(t.status, "compensated");
}

TEST(OrderSagaTest, HappyPathEndToEnd) {
  Json ctx = {{"business_key", kBk}};
  std::string state = "start";
  auto step = [&](const std::string& event, const Json& payload) {
    Transition t = ApplyTo("order", state, ctx, event, payload);
    EXPECT_FALSE(t.rejected) << event << ": " << t.rejection_reason;
    state = t.to;
    ctx = t.context;
    return t;
  };
  step("order_received", {{"order", OrderJson()}});
  step("activity_succeeded", kResolved);
  step("activity_succeeded", Succeeded("routing.assign", {{"allocations", Allocations()}}));
  Transition t = step("activity_succeeded", kCreated);
  ASSERT_EQ(t.commands.size(), 2u);
  EXPECT_EQ(t.commands[0].child_event, "shipment_requested");
  EXPECT_EQ(t.commands[0].input["location"], "WH-1");
  EXPECT_EQ(t.commands[0].input["sales_order_id"], "SO-1");
  step("shipment_closed", Child(kS2));
  EXPECT_EQ(state, "fulfilling");
  step("shipment_closed", Child(kS1));
  EXPECT_EQ(state, "completed");
}

}  // namespace
}  // namespace o2c::workflows
