// GroupCommitStore under the runtime: many runtime threads, each with its own Postgres store,
// committing their steps through one shared GroupCommitter, drive complete order lifecycles.
// Assertions read the database.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "activities/inprocess_executor.h"
#include "engine/group_commit_store.h"
#include "engine/pg_workflow_store.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "tests/integration/pg_test_support.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c::testing {
namespace {

using samples::ShopifyOrderJson;
using samples::ShopifyRefundJson;
using samples::ShopifyReturnJson;

constexpr int kThreads = 16;
constexpr int kOrders = 160;

std::string OrderKey(int i) { return "gc.myshopify.com/orders/" + std::to_string(5000 + i); }

TEST(GroupCommitStoreTest, SixteenRuntimesCompleteOrderLifecyclesSharingCommits) {
  ResetSharedDatabase();
  ManualClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  GroupCommitter committer([] { return std::make_unique<PgWorkflowStore>(SharedDatabaseDsn()); },
                           clock, /*threads=*/2, /*max_batch=*/64);
  activities::InProcessExecutor executor;

  {
    PgWorkflowStore store(SharedDatabaseDsn());
    Runtime starter(store, clock);
    for (int i = 0; i < kOrders; ++i) {
      auto order = workflows::model::OrderFromShopify(ShopifyOrderJson(5000 + i));
      ASSERT_TRUE(order.ok());
      starter.StartOrSignal("order", OrderKey(i), {"order_received", {{"order", order.value()}}},
                            "webhook:shopify");
    }
  }

  std::atomic<int> completed{0};
  std::atomic<bool> failed{false};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        PgWorkflowStore inner(SharedDatabaseDsn());
        GroupCommitStore store(inner, committer);
        RuntimeOptions options;
        options.worker_id = "gc-" + std::to_string(t);
        options.shard = t;
        options.shards = kThreads;
        options.on_committed = [&](WorkflowId id, const std::string& event) {
          // The WMS ships once it has accepted the fulfilment (after that step is durable).
          if (event == "fulfillment_accepted") {
            store.EnqueueEvent({id, "", "", "shipped", samples::WmsShippedPayload(), "webhook:wms"},
                               clock.Now());
          }
          if (event == "shipment_closed") ++completed;
        };
        Runtime runtime(store, clock, options);
        while (completed.load() < kOrders && std::chrono::steady_clock::now() < deadline) {
          int work = runtime.ProcessEvents() + runtime.FireDueTimers() + runtime.RunTasks(executor);
          if (work == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "runtime thread " << t << ": " << e.what();
        failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_FALSE(failed.load());
  EXPECT_EQ(completed.load(), kOrders);

  PgWorkflowStore store(SharedDatabaseDsn());
  for (int i = 0; i < kOrders; ++i) {
    auto order = store.FindWorkflow("order", OrderKey(i));
    ASSERT_TRUE(order) << OrderKey(i);
    EXPECT_EQ(order->state, "completed") << OrderKey(i);
    EXPECT_EQ(order->status, "completed") << OrderKey(i);
    EXPECT_EQ(order->version, 5) << OrderKey(i);
    auto shipment = store.FindWorkflow("shipment", OrderKey(i) + "/shipments/1");
    ASSERT_TRUE(shipment) << OrderKey(i);
    EXPECT_EQ(shipment->status, "closed") << OrderKey(i);
    for (const auto* w : {&*order, &*shipment}) {
      auto tasks = store.Tasks(w->id);
      EXPECT_EQ(tasks.size(), 3u) << w->business_key;
      for (const auto& task : tasks) EXPECT_EQ(task.status, "succeeded") << task.idempotency_key;
      auto transitions = store.Transitions(w->id);
      ASSERT_EQ(transitions.size(), 5u) << w->business_key;
      for (std::size_t k = 0; k < transitions.size(); ++k) {
        EXPECT_EQ(transitions[k].seq, static_cast<std::int64_t>(k + 1));
        EXPECT_FALSE(transitions[k].payload.contains("rejected")) << transitions[k].event;
      }
    }
  }
  EXPECT_TRUE(store.PendingEvents(std::nullopt, 10).empty());
  // Each downstream document was created exactly once per order.
  auto docs = executor.documents();
  for (const char* activity :
       {"erp.resolve_items", "routing.assign", "erp.create_sales_order", "wms.create_fulfillment",
        "shopify.create_fulfillment", "erp.post_invoice"}) {
    EXPECT_EQ(docs[activity], kOrders) << activity;
  }
  // All 10 steps per lifecycle went through the committer (a runtime's batches of events and of
  // task outcomes too: GroupCommitStore::CommitSteps), and they shared commits.
  EXPECT_EQ(committer.steps_committed(), 10 * kOrders);  // refused ones are not counted
  EXPECT_LT(committer.commits(), committer.steps_committed());
  RecordProperty("mean_steps_per_commit",
                 std::to_string(double(committer.steps_committed()) / committer.commits()));
}

}  // namespace
}  // namespace o2c::testing
