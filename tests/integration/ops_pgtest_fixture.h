// Shared by the ops_*_pgtest.cc files: realistic workflow histories built by driving the real
// Runtime with the in-process downstreams against real Postgres, an OpsService on the same
// database and clock, and a way to read rows back for assertions.
#pragma once

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "activities/inprocess_executor.h"
#include "engine/ops/ops_service.h"
#include "engine/pg_workflow_store.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "tests/integration/pg_test_support.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c::testing {

class OpsPgTest : public ::testing::Test {
 protected:
  static constexpr const char* kShop = "shop.myshopify.com";

  void SetUp() override {
    ResetSharedDatabase();
    store_ = std::make_unique<PgWorkflowStore>(SharedDatabaseDsn());
    RuntimeOptions options;
    options.worker_id = "w1";
    options.default_policy.max_attempts = 3;
    options.default_policy.backoff_base = std::chrono::milliseconds(10);
    // Time moves 1 ms per committed step, as it does for real: the trace orders by time.
    options.on_committed = [this](WorkflowId, const std::string&) {
      clock_.Advance(std::chrono::milliseconds(1));
    };
    runtime_ = std::make_unique<Runtime>(*store_, clock_, options);
    ops::OpsOptions ops_options;
    ops_options.dsn = SharedDatabaseDsn();
    ops_options.clock = &clock_;
    ops_ = std::make_unique<ops::OpsService>(std::move(ops_options));
  }

  static std::string OrderKey(long long id) {
    return std::string(kShop) + "/orders/" + std::to_string(id);
  }

  WorkflowId StartOrder(long long id, std::vector<samples::SampleLine> lines = {{"IPOD2008PINK"}}) {
    auto order = workflows::model::OrderFromShopify(samples::ShopifyOrderJson(id, lines));
    EXPECT_TRUE(order.ok());
    return runtime_->StartOrSignal(
        "order", OrderKey(id), {"order_received", {{"order", order.value()}}}, "webhook:shopify");
  }
  WorkflowId StartReturn(long long id, long long order_id, long long line_item_id) {
    auto r =
        workflows::model::ReturnFromShopify(samples::ShopifyReturnJson(id, order_id, line_item_id));
    EXPECT_TRUE(r.ok());
    return runtime_->StartOrSignal("return", std::string(kShop) + "/returns/" + std::to_string(id),
                                   {"return_requested", {{"return", r.value()}}},
                                   "webhook:shopify");
  }
  WorkflowId StartRefund(long long id, long long order_id) {
    auto r = workflows::model::RefundFromShopify(samples::ShopifyRefundJson(id, order_id, "25.00"));
    EXPECT_TRUE(r.ok());
    return runtime_->StartOrSignal("refund", std::string(kShop) + "/refunds/" + std::to_string(id),
                                   {"refund_recorded", {{"refund", r.value()}}}, "webhook:shopify");
  }

  void Settle() { runtime_->RunUntilIdle(executor_); }
  // Settles, letting retry backoffs pass.
  void SettleWithRetries(int rounds = 10) {
    for (int i = 0; i < rounds; ++i) {
      Settle();
      clock_.Advance(std::chrono::minutes(5));
    }
  }
  WorkflowRecord Get(const std::string& type, const std::string& key) {
    auto w = store_->FindWorkflow(type, key);
    EXPECT_TRUE(w) << type << " " << key;
    return w.value_or(WorkflowRecord{});
  }
  WorkflowRecord Load(WorkflowId id) {
    auto w = store_->LoadWorkflow(id);
    EXPECT_TRUE(w) << id;
    return w.value_or(WorkflowRecord{});
  }
  WorkflowRecord Order(long long id) { return Get("order", OrderKey(id)); }
  WorkflowRecord Shipment(long long id, int n = 1) {
    return Get("shipment", OrderKey(id) + "/shipments/" + std::to_string(n));
  }
  void Signal(WorkflowId id, const std::string& event,
              nlohmann::json payload = nlohmann::json::object(),
              const std::string& source = "webhook:wms") {
    store_->EnqueueEvent({id, "", "", event, payload, source}, clock_.Now());
    Settle();
  }
  void Ship(WorkflowId shipment) {
    Signal(shipment, "shipped", {{"carrier", "UPS"}, {"tracking_number", "1Z999AA10123456784"}});
  }

  // Rows of `sql` as text (NULL as "NULL"), for assertions on what was written.
  std::vector<std::vector<std::string>> Rows(const std::string& sql) {
    pqxx::connection c(SharedDatabaseDsn());
    pqxx::nontransaction tx(c);
    std::vector<std::vector<std::string>> out;
    for (const auto& row : tx.exec(sql)) {
      std::vector<std::string> cells;
      for (const auto& f : row) cells.push_back(f.is_null() ? "NULL" : f.c_str());
      out.push_back(std::move(cells));
    }
    return out;
  }
  std::string One(const std::string& sql) {
    auto rows = Rows(sql);
    EXPECT_EQ(rows.size(), 1u) << sql;
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }
  void Exec(const std::string& sql) {
    pqxx::connection c(SharedDatabaseDsn());
    pqxx::nontransaction tx(c);
    tx.exec(sql);
  }

  // Routing splits the order: one allocation per line, locations WH-1, WH-2, ...
  void SplitRouting() {
    executor_.SetScript(
        "routing.assign",
        [](const activities::ActivityCall& call) -> std::optional<activities::Outcome> {
          nlohmann::json allocations = nlohmann::json::array();
          int n = 0;
          for (const auto& line : call.input["lines"]) {
            allocations.push_back({{"location", "WH-" + std::to_string(++n)},
                                   {"lines", nlohmann::json::array({line})}});
          }
          return activities::Succeeded{{{"allocations", allocations}}};
        });
  }

  ManualClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  activities::InProcessExecutor executor_;
  std::unique_ptr<PgWorkflowStore> store_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<ops::OpsService> ops_;
};

}  // namespace o2c::testing
