// `o2c trace` against real histories: an order with a split shipment, a retried activity, a
// return and a refund, driven through the Runtime; then the trace's order, content and speed.
#include <algorithm>
#include <chrono>

#include "engine/ops/trace.h"
#include "tests/integration/ops_pgtest_fixture.h"

namespace o2c::testing {
namespace {

using activities::Outcome;
using activities::RetryAfter;
using nlohmann::json;

class OpsTraceTest : public OpsPgTest {
 protected:
  // Order 2001, two lines routed to two locations, the ERP order created on the second attempt,
  // both shipments shipped, then a return of the first line (received, inspected, refunded) and
  // a goodwill refund.
  void BuildHistory() {
    SplitRouting();
    int calls = 0;
    executor_.SetScript("erp.create_sales_order", [&calls](const auto&) -> std::optional<Outcome> {
      if (++calls == 1) return RetryAfter{std::chrono::seconds(1), "503: ERP unavailable"};
      return std::nullopt;
    });
    StartOrder(2001, {{"SKU-A"}, {"SKU-B"}});
    SettleWithRetries(3);
    ASSERT_EQ(Order(2001).state, "fulfilling");
    clock_.Advance(std::chrono::minutes(1));
    Ship(Shipment(2001, 1).id);
    clock_.Advance(std::chrono::minutes(1));
    Ship(Shipment(2001, 2).id);
    ASSERT_EQ(Order(2001).state, "completed");
    clock_.Advance(std::chrono::hours(1));
    WorkflowId r = StartReturn(501, 2001, 20011);
    Settle();
    clock_.Advance(std::chrono::hours(1));
    Signal(r, "received");
    Signal(r, "inspected", {{"disposition", "restock"}});
    ASSERT_EQ(Load(r).state, "closed");
    clock_.Advance(std::chrono::hours(1));
    StartRefund(7001, 2001);
    Settle();
    // Noise: another order of the same shop and a return of another order.
    StartOrder(2002);
    StartReturn(502, 2002, 20021);
    Settle();
  }

  static int IndexOf(const json& timeline, const std::function<bool(const json&)>& match) {
    for (std::size_t i = 0; i < timeline.size(); ++i)
      if (match(timeline[i])) return static_cast<int>(i);
    return -1;
  }
  static std::function<bool(const json&)> TransitionTo(WorkflowId id, const std::string& event) {
    return [=](const json& e) {
      return e["kind"] == "transition" && e["workflow_id"] == id && e["event"] == event;
    };
  }
};

TEST_F(OpsTraceTest, ListsTheSplitShipmentTheRetryAndTheReturnInOrder) {
  BuildHistory();
  const WorkflowId order = Order(2001).id, s1 = Shipment(2001, 1).id, s2 = Shipment(2001, 2).id;
  const WorkflowId ret = Get("return", std::string(kShop) + "/returns/501").id;
  const WorkflowId refund = Get("refund", std::string(kShop) + "/refunds/7001").id;

  auto trace = ops_->Trace(std::string(kShop) + "/2001");
  ASSERT_TRUE(trace);
  EXPECT_EQ((*trace)["root"]["id"], order);
  std::vector<WorkflowId> ids;
  for (const auto& w : (*trace)["workflows"]) ids.push_back(w["id"]);
  EXPECT_EQ(ids, (std::vector<WorkflowId>{order, s1, s2, ret, refund}))
      << "the other order's return must not be in this order's trace";

  const json& timeline = (*trace)["timeline"];
  for (std::size_t i = 1; i < timeline.size(); ++i)
    EXPECT_LE(timeline[i - 1]["at"].get<std::string>(), timeline[i]["at"].get<std::string>()) << i;

  int received = IndexOf(timeline, TransitionTo(order, "order_received"));
  int retried = IndexOf(timeline, [](const json& e) {
    return e["kind"] == "activity_outcome" && e["activity"] == "erp.create_sales_order";
  });
  int created = IndexOf(timeline, TransitionTo(order, "erp_order_created"));
  int s1_requested = IndexOf(timeline, TransitionTo(s1, "shipment_requested"));
  int s2_requested = IndexOf(timeline, TransitionTo(s2, "shipment_requested"));
  int s1_shipped = IndexOf(timeline, TransitionTo(s1, "shipped"));
  int s2_shipped = IndexOf(timeline, TransitionTo(s2, "shipped"));
  int completed = IndexOf(timeline, [&](const json& e) {
    return e["kind"] == "transition" && e["workflow_id"] == order && e["to"] == "completed";
  });
  int return_requested = IndexOf(timeline, TransitionTo(ret, "return_requested"));
  int credit_memo = IndexOf(timeline, [&](const json& e) {
    return e["kind"] == "activity_outcome" && e["workflow_id"] == ret &&
           e["activity"] == "erp.issue_credit_memo";
  });
  int refund_recorded = IndexOf(timeline, TransitionTo(refund, "refund_recorded"));
  std::vector<int> order_of_events = {received,         retried,     created,        s1_requested,
                                      s2_requested,     s1_shipped,  s2_shipped,     completed,
                                      return_requested, credit_memo, refund_recorded};
  for (int i : order_of_events) ASSERT_GE(i, 0) << timeline.dump(1);
  EXPECT_TRUE(std::is_sorted(order_of_events.begin(), order_of_events.end()))
      << ::testing::PrintToString(order_of_events);

  const json& retry = timeline[retried];
  EXPECT_EQ(retry["outcome"], "succeeded");
  EXPECT_EQ(retry["attempt"], 2);
  EXPECT_EQ(retry["error"], "503: ERP unavailable");
  // Each attempt with its own time, outcome and error; the Retry-After second between them.
  ASSERT_EQ(retry["attempts"].size(), 2u) << retry.dump();
  const json& first = retry["attempts"][0];
  const json& second = retry["attempts"][1];
  EXPECT_EQ(first["attempt"], 1);
  EXPECT_EQ(first["outcome"], "retry");
  EXPECT_EQ(first["error"], "503: ERP unavailable");
  EXPECT_EQ(first["worker"], "w1");
  EXPECT_EQ(second["attempt"], 2);
  EXPECT_EQ(second["outcome"], "succeeded");
  EXPECT_TRUE(second["error"].is_null());
  for (const json& a : retry["attempts"]) {
    EXPECT_LE(a["started_at"].get<std::string>(), a["finished_at"].get<std::string>());
    EXPECT_GE(a["duration_ms"].get<int>(), 0);
  }
  EXPECT_EQ(One("SELECT b.started_at - a.finished_at >= interval '1 second'"
                "  FROM task_attempts a JOIN task_attempts b ON b.task_id = a.task_id"
                " WHERE a.attempt = 1 AND b.attempt = 2 AND a.task_id = " +
                retry["task_id"].dump()),
            "t")
      << "Retry-After 1 s sits between the attempts";
  EXPECT_FALSE(timeline[received].contains("attempts"));
  EXPECT_GE(retry["elapsed_ms"].get<int>(), 1000) << "Retry-After 1 s sits between the attempts";
  EXPECT_TRUE(retry["documents"].contains("sales_order_id"));
  EXPECT_EQ(timeline[received]["actor"], "webhook:shopify");
  EXPECT_EQ(timeline[created]["actor"], "worker:w1");
  EXPECT_TRUE(timeline[credit_memo]["documents"].contains("credit_memo_id"));
  EXPECT_TRUE((*trace)["waiting"].empty()) << (*trace)["waiting"].dump();

  std::string text = ops::RenderTraceText(*trace);
  if (::testing::Test::HasFailure() || std::getenv("O2C_SHOW_TRACE"))
    std::printf("%s", text.c_str());
  EXPECT_NE(text.find("erp.create_sales_order succeeded after 2/3 attempts"), std::string::npos)
      << text;
  EXPECT_NE(text.find("error: 503: ERP unavailable"), std::string::npos);
  EXPECT_NE(text.find("attempt 1/3  " + first["started_at"].get<std::string>().substr(11, 12) +
                      "  0 ms  retry  503: ERP unavailable\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("attempt 2/3  "), std::string::npos) << text;
  EXPECT_EQ(text.find("are not recorded"), std::string::npos) << text;
  EXPECT_NE(text.find("fulfilling -> completed on shipment_closed  by engine"), std::string::npos)
      << text;
}

TEST_F(OpsTraceTest, FindsTheOrderFromAnyOfItsWorkflowsAndDocuments) {
  BuildHistory();
  const WorkflowId order = Order(2001).id;
  std::string sales_order;
  for (const auto& t : store_->Tasks(order))
    if (t.activity == "erp.create_sales_order") sales_order = t.result.value()["sales_order_id"];
  std::string credit_memo;
  WorkflowId ret = Get("return", std::string(kShop) + "/returns/501").id;
  for (const auto& t : store_->Tasks(ret))
    if (t.activity == "erp.issue_credit_memo") credit_memo = t.result.value()["credit_memo_id"];
  ASSERT_FALSE(sales_order.empty());
  for (const std::string& target :
       {std::to_string(order), std::to_string(Shipment(2001, 2).id), std::to_string(ret),
        std::string(kShop) + "/returns/501", OrderKey(2001), sales_order, credit_memo}) {
    auto trace = ops_->Trace(target);
    ASSERT_TRUE(trace) << target;
    EXPECT_EQ((*trace)["root"]["id"], order) << target;
  }
  EXPECT_FALSE(ops_->Trace("SO-does-not-exist"));
  EXPECT_FALSE(ops_->Trace(std::string(kShop) + "/999999"));
}

TEST_F(OpsTraceTest, MarksCompensationsAndSaysWhatAnOpenOrderWaitsFor) {
  executor_.SetScript("wms.create_fulfillment", [](const auto&) -> std::optional<Outcome> {
    return activities::Permanent{"422: location WH-1 does not stock IPOD2008PINK"};
  });
  StartOrder(3001);
  Settle();
  ASSERT_EQ(Order(3001).state, "compensated");
  StartOrder(3002);
  Settle();  // 3002 also gets the rejection
  auto trace = ops_->Trace(std::string(kShop) + "/3001");
  ASSERT_TRUE(trace);
  bool compensation_seen = false;
  for (const auto& e : (*trace)["timeline"]) {
    if (e["kind"] == "activity_emitted" && e["activity"] == "erp.cancel_sales_order") {
      EXPECT_TRUE(e["compensation"].get<bool>());
      EXPECT_EQ(e["compensates"]["activity"], "erp.create_sales_order");
      compensation_seen = true;
    }
    if (e["kind"] == "activity_outcome" && e["activity"] == "wms.create_fulfillment") {
      EXPECT_EQ(e["outcome"], "failed");
      EXPECT_EQ(e["error"], "422: location WH-1 does not stock IPOD2008PINK");
    }
  }
  EXPECT_TRUE(compensation_seen);
  EXPECT_NE(ops::RenderTraceText(*trace).find("! compensation erp.cancel_sales_order"),
            std::string::npos);

  // An open order: waiting on a task that keeps failing.
  executor_.SetScript("erp.resolve_items", [](const auto&) -> std::optional<Outcome> {
    return RetryAfter{std::chrono::seconds(30), "503: ERP down"};
  });
  StartOrder(3003);
  Settle();
  trace = ops_->Trace(std::string(kShop) + "/3003");
  ASSERT_TRUE(trace);
  ASSERT_EQ((*trace)["waiting"].size(), 1u);
  const json& waiting = (*trace)["waiting"][0];
  EXPECT_EQ(waiting["state"], "validating");
  std::string what = waiting["for"];
  EXPECT_NE(what.find("activity erp.resolve_items (attempt 1/3, due "), std::string::npos) << what;
  EXPECT_NE(what.find("last error: 503: ERP down"), std::string::npos) << what;
}

TEST_F(OpsTraceTest, AnOrderWith200TransitionsTracesUnder50Milliseconds) {
  // Background: a few thousand other workflows with their rows, so the queries must use indexes.
  StartOrder(4000);
  Settle();
  Exec(R"sql(
    INSERT INTO workflows (type, business_key, state, status, context, correlation_id, created_at, updated_at)
    SELECT 'order', 'bulk.myshopify.com/orders/' || g, 'fulfilling', 'waiting', '{}', 'c' || g, now(), now()
      FROM generate_series(1, 5000) g;
    INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, actor, at)
    SELECT w.id, s, 'fulfilling', 'noise', 'fulfilling', 'engine', now()
      FROM workflows w CROSS JOIN generate_series(1, 10) s WHERE w.business_key LIKE 'bulk.%';
    ANALYZE)sql");
  const WorkflowId order = Order(4000).id;
  const int existing = std::stoi(
      One("SELECT count(*) FROM transitions WHERE workflow_id = " + std::to_string(order)));
  Exec(
      "INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, payload, actor, at)"
      " SELECT " +
      std::to_string(order) + ", " + std::to_string(existing) +
      " + s, 'fulfilling', 'refund_created', 'fulfilling', '{\"rejected\": \"no transition\"}',"
      " 'webhook:wms', now() FROM generate_series(1, " +
      std::to_string(200 - existing) +
      ") s;"
      " UPDATE workflows SET next_seq = 201 WHERE id = " +
      std::to_string(order));

  std::vector<double> ms;
  for (int i = 0; i < 21; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto trace = ops_->Trace(std::string(kShop) + "/4000");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    ASSERT_TRUE(trace);
    int transitions = 0;
    for (const auto& e : (*trace)["timeline"])
      transitions += e["kind"] == "transition" && e["workflow_id"] == order;
    ASSERT_EQ(transitions, 200);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("trace of an order with 200 transitions: median %.2f ms, max %.2f ms\n", ms[10],
              ms.back());
  EXPECT_LT(ms[10], 50.0);
}

}  // namespace
}  // namespace o2c::testing
