// The ingestion half of the WorkflowStore contract as tests: IngestDelivery, the inbox
// (RecordDelivery, RecentDeliveries, ExpireInboxBodies), deferred events (DeferEvent, DueEvents)
// and FindReturnByRefundId. Instantiated for the in-memory store (tests/unit/ingest_store_test.cc)
// and for Postgres (tests/integration/ingest_store_pgtest.cc), with the same Factory as
// store_conformance.h:
//   static void Reset();                               // an empty store
//   static std::shared_ptr<WorkflowStore> Open();      // a handle usable from one thread
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/workflow_store.h"

namespace o2c::testing {

template <typename Factory>
class IngestConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    Factory::Reset();
    store_ = Factory::Open();
  }

  static InboxDelivery Delivery(const std::string& id, const std::string& body = "{\"id\":1}") {
    InboxDelivery d;
    d.source = "shopify";
    d.delivery_id = id;
    d.topic = "orders/create";
    d.shop = "shop.myshopify.com";
    d.body = body;
    d.verdict = "accepted";
    d.triggered_at = "2026-11-22T10:00:00Z";
    return d;
  }

  static IngestRequest Request(const std::optional<std::string>& delivery_id,
                               const std::string& key = "shop/orders/1",
                               const std::string& event = "order_received") {
    IngestRequest r;
    if (delivery_id) r.delivery = Delivery(*delivery_id);
    r.type = "order";
    r.business_key = key;
    r.initial_context = {{"business_key", key}};
    r.event = event;
    r.payload = {{"n", 1}};
    r.source = "webhook:shopify";
    return r;
  }

  int EventsOf(WorkflowId id) { return static_cast<int>(store_->PendingEvents(id, 1000).size()); }
  int InboxRows() { return static_cast<int>(store_->RecentDeliveries("", 1000).size()); }

  // Runs `body(thread index, store)` on `threads` threads with a store each, all released at once.
  template <typename Body>
  static void Race(int threads, Body body) {
    std::vector<std::shared_ptr<WorkflowStore>> stores;
    for (int i = 0; i < threads; ++i) stores.push_back(Factory::Open());
    std::barrier start(threads);
    std::vector<std::thread> running;
    for (int i = 0; i < threads; ++i) {
      running.emplace_back([&, i] {
        start.arrive_and_wait();
        body(i, *stores[i]);
      });
    }
    for (auto& t : running) t.join();
  }

  std::shared_ptr<WorkflowStore> store_;
  TimePoint now_ = TimePoint(std::chrono::seconds(1'800'000'000));
};

TYPED_TEST_SUITE_P(IngestConformance);

TYPED_TEST_P(IngestConformance, ADeliveryStartsItsWorkflowAndQueuesItsEventTogether) {
  IngestResult r = this->store_->IngestDelivery(this->Request("wh-1"), this->now_);
  ASSERT_TRUE(std::holds_alternative<Ingested>(r));
  const Ingested done = std::get<Ingested>(r);
  EXPECT_TRUE(done.created);
  EXPECT_GT(done.inbox_id, 0);
  EXPECT_GT(done.event_id, 0);
  auto w = this->store_->FindWorkflow("order", "shop/orders/1");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->id, done.workflow_id);
  EXPECT_EQ(w->state, "start");
  EXPECT_EQ(w->status, "waiting");
  EXPECT_EQ(w->context["business_key"], "shop/orders/1");
  EXPECT_EQ(w->correlation_id, "order:shop/orders/1");
  auto events = this->store_->PendingEvents(w->id, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, done.event_id);
  EXPECT_EQ(events[0].event, "order_received");
  EXPECT_EQ(events[0].payload["n"], 1);
  EXPECT_EQ(events[0].source, "webhook:shopify");
  EXPECT_EQ(events[0].deferrals, 0);
  auto inbox = this->store_->RecentDeliveries("shopify", 10);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].id, done.inbox_id);
  EXPECT_EQ(inbox[0].delivery.verdict, "accepted");
  EXPECT_EQ(inbox[0].delivery.workflow_id, w->id);
  EXPECT_EQ(inbox[0].delivery.delivery_id, "wh-1");
  EXPECT_EQ(inbox[0].delivery.body, "{\"id\":1}");
  EXPECT_EQ(inbox[0].delivery.triggered_at, "2026-11-22T10:00:00Z");
  EXPECT_FALSE(inbox[0].delivery.reason);

  // A second delivery for the same workflow signals it.
  IngestResult again = this->store_->IngestDelivery(
      this->Request("wh-2", "shop/orders/1", "order_cancelled"), this->now_);
  ASSERT_TRUE(std::holds_alternative<Ingested>(again));
  EXPECT_FALSE(std::get<Ingested>(again).created);
  EXPECT_EQ(std::get<Ingested>(again).workflow_id, w->id);
  EXPECT_EQ(this->EventsOf(w->id), 2);
}

TYPED_TEST_P(IngestConformance, ARepeatedDeliveryIsADuplicateAndWritesNothing) {
  auto first = std::get<Ingested>(this->store_->IngestDelivery(this->Request("wh-1"), this->now_));
  IngestResult again = this->store_->IngestDelivery(this->Request("wh-1"), this->now_);
  ASSERT_TRUE(std::holds_alternative<Duplicate>(again));
  const Duplicate d = std::get<Duplicate>(again);
  EXPECT_EQ(d.inbox_id, first.inbox_id);
  EXPECT_EQ(d.verdict, "accepted");
  EXPECT_EQ(d.workflow_id, first.workflow_id);
  EXPECT_EQ(this->EventsOf(first.workflow_id), 1);
  EXPECT_EQ(this->InboxRows(), 1);
  // Even one naming another workflow: the delivery id decides.
  IngestResult other =
      this->store_->IngestDelivery(this->Request("wh-1", "shop/orders/2"), this->now_);
  EXPECT_TRUE(std::holds_alternative<Duplicate>(other));
  EXPECT_FALSE(this->store_->FindWorkflow("order", "shop/orders/2"));
  // The same id from the other source is another delivery.
  IngestRequest wms = this->Request("wh-1");
  wms.delivery->source = "wms";
  EXPECT_TRUE(std::holds_alternative<Ingested>(this->store_->IngestDelivery(wms, this->now_)));
}

TYPED_TEST_P(IngestConformance, SignalOnlyNeedsTheWorkflowAndWritesNothingWithoutIt) {
  IngestRequest signal = this->Request("wms-1", "shop/orders/1/shipments/1", "picked");
  signal.type = "shipment";
  signal.delivery->source = "wms";
  signal.create_if_missing = false;
  EXPECT_TRUE(
      std::holds_alternative<UnknownWorkflow>(this->store_->IngestDelivery(signal, this->now_)));
  EXPECT_FALSE(this->store_->FindWorkflow("shipment", "shop/orders/1/shipments/1"));
  EXPECT_EQ(this->InboxRows(), 0);
  // The id was not used up: once the shipment exists the same delivery goes through.
  NewWorkflow shipment;
  shipment.type = "shipment";
  shipment.business_key = "shop/orders/1/shipments/1";
  auto w = this->store_->CreateWorkflow(shipment, this->now_).workflow;
  IngestResult r = this->store_->IngestDelivery(signal, this->now_);
  ASSERT_TRUE(std::holds_alternative<Ingested>(r));
  EXPECT_FALSE(std::get<Ingested>(r).created);
  EXPECT_EQ(std::get<Ingested>(r).workflow_id, w.id);
  EXPECT_EQ(this->EventsOf(w.id), 1);
}

TYPED_TEST_P(IngestConformance, WithoutADeliveryEveryCallQueuesAndNothingIsRecorded) {
  auto a = std::get<Ingested>(this->store_->IngestDelivery(this->Request({}), this->now_));
  auto b = std::get<Ingested>(this->store_->IngestDelivery(this->Request({}), this->now_));
  EXPECT_TRUE(a.created);
  EXPECT_FALSE(b.created);
  EXPECT_EQ(a.workflow_id, b.workflow_id);
  EXPECT_EQ(a.inbox_id, 0);
  EXPECT_EQ(this->EventsOf(a.workflow_id), 2);
  EXPECT_EQ(this->InboxRows(), 0);
}

TYPED_TEST_P(IngestConformance, ADeliveryWithoutAnEventIsRecordedAgainstItsWorkflow) {
  auto w = std::get<Ingested>(this->store_->IngestDelivery(this->Request("wh-1"), this->now_));
  IngestRequest informational = this->Request("wh-2", "shop/orders/1", "");
  informational.create_if_missing = false;
  auto r = std::get<Ingested>(this->store_->IngestDelivery(informational, this->now_));
  EXPECT_EQ(r.workflow_id, w.workflow_id);
  EXPECT_EQ(r.event_id, 0);
  EXPECT_EQ(this->EventsOf(w.workflow_id), 1);
  EXPECT_EQ(this->store_->RecentDeliveries("shopify", 1).at(0).delivery.workflow_id, w.workflow_id);
}

TYPED_TEST_P(IngestConformance, EightThreadsRacingOneDeliveryQueueOneEvent) {
  for (int round = 0; round < 10; ++round) {
    std::string key = "shop/orders/race-" + std::to_string(round);
    std::string id = "wh-race-" + std::to_string(round);
    std::atomic<int> ingested{0}, duplicates{0};
    this->Race(8, [&](int, WorkflowStore& store) {
      IngestResult r = store.IngestDelivery(this->Request(id, key), this->now_);
      if (std::holds_alternative<Ingested>(r)) ++ingested;
      if (std::holds_alternative<Duplicate>(r)) ++duplicates;
    });
    EXPECT_EQ(ingested.load(), 1) << "round " << round;
    EXPECT_EQ(duplicates.load(), 7) << "round " << round;
    auto w = this->store_->FindWorkflow("order", key);
    ASSERT_TRUE(w);
    EXPECT_EQ(this->EventsOf(w->id), 1) << "round " << round;
  }
  EXPECT_EQ(this->InboxRows(), 10);
}

TYPED_TEST_P(IngestConformance, EightDeliveriesRacingToStartOneWorkflowCreateItOnce) {
  for (int round = 0; round < 10; ++round) {
    std::string key = "shop/orders/new-" + std::to_string(round);
    std::atomic<int> created{0};
    std::mutex ids_mutex;
    std::set<WorkflowId> ids;
    this->Race(8, [&](int i, WorkflowStore& store) {
      std::string id = "wh-" + std::to_string(round) + "-" + std::to_string(i);
      IngestResult r = store.IngestDelivery(this->Request(id, key), this->now_);
      ASSERT_TRUE(std::holds_alternative<Ingested>(r));
      if (std::get<Ingested>(r).created) ++created;
      std::lock_guard lock(ids_mutex);
      ids.insert(std::get<Ingested>(r).workflow_id);
    });
    EXPECT_EQ(created.load(), 1) << "round " << round;
    ASSERT_EQ(ids.size(), 1u) << "round " << round;
    EXPECT_EQ(this->EventsOf(*ids.begin()), 8) << "round " << round;
  }
  EXPECT_EQ(this->InboxRows(), 80);
}

TYPED_TEST_P(IngestConformance, RejectedDeliveriesKeepBodyAndReasonAndRepeatsTheirVerdict) {
  InboxDelivery bad = this->Delivery("wh-bad", std::string("{\"id\":\xff", 7));
  bad.verdict = "rejected";
  bad.reason = "body is not valid JSON";
  auto first = this->store_->RecordDelivery(bad, this->now_);
  ASSERT_TRUE(std::holds_alternative<Recorded>(first));
  auto again = this->store_->RecordDelivery(bad, this->now_);
  ASSERT_TRUE(std::holds_alternative<Duplicate>(again));
  EXPECT_EQ(std::get<Duplicate>(again).verdict, "rejected");
  EXPECT_EQ(std::get<Duplicate>(again).reason, "body is not valid JSON");
  // An ingest of the same id is a repeat of the rejected delivery, not a new one.
  auto ingest = this->store_->IngestDelivery(this->Request("wh-bad"), this->now_);
  ASSERT_TRUE(std::holds_alternative<Duplicate>(ingest));
  EXPECT_EQ(std::get<Duplicate>(ingest).verdict, "rejected");
  EXPECT_FALSE(this->store_->FindWorkflow("order", "shop/orders/1"));
  // Unauthorized deliveries carry no id, so each is its own row and none blocks a real one.
  InboxDelivery forged = this->Delivery("ignored");
  forged.delivery_id.reset();
  forged.verdict = "unauthorized";
  forged.reason = "X-Shopify-Hmac-Sha256 does not match";
  EXPECT_TRUE(std::holds_alternative<Recorded>(this->store_->RecordDelivery(forged, this->now_)));
  EXPECT_TRUE(std::holds_alternative<Recorded>(this->store_->RecordDelivery(forged, this->now_)));
  auto rows = this->store_->RecentDeliveries("shopify", 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].delivery.verdict, "unauthorized");
  EXPECT_FALSE(rows[0].delivery.delivery_id);
  EXPECT_EQ(rows[2].delivery.body, std::string("{\"id\":\xff", 7));  // kept byte for byte
  EXPECT_EQ(rows[2].delivery.reason, "body is not valid JSON");
  InboxDelivery no_reason = this->Delivery("wh-3");
  no_reason.verdict = "rejected";
  EXPECT_THROW(this->store_->RecordDelivery(no_reason, this->now_), StoreError);
}

TYPED_TEST_P(IngestConformance, ADeferredEventWaitsUntilItsTimeOrTheNextStep) {
  auto done = std::get<Ingested>(this->store_->IngestDelivery(
      this->Request("wh-1", "shop/orders/1", "order_cancelled"), this->now_));
  auto w = *this->store_->LoadWorkflow(done.workflow_id);
  auto later = this->now_ + std::chrono::hours(1);
  CommitResult r =
      this->store_->DeferEvent(done.event_id, w.id, w.version, later, "too early", this->now_);
  ASSERT_TRUE(std::holds_alternative<Committed>(r));
  EXPECT_TRUE(this->store_->DueEvents(this->now_, 10).empty());
  auto pending = this->store_->PendingEvents(w.id, 10);  // still there, just not due
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].deferrals, 1);
  EXPECT_EQ(pending[0].deferred_reason, "too early");
  ASSERT_TRUE(pending[0].not_before);
  EXPECT_EQ(*pending[0].not_before, later);
  ASSERT_EQ(this->store_->DueEvents(later, 10).size(), 1u);
  EXPECT_EQ(this->store_->DueEvents(later, 10, w.id % 2, 2).size(), 1u);
  EXPECT_TRUE(this->store_->DueEvents(later, 10, (w.id + 1) % 2, 2).empty());
  // A ready event of the same workflow is due meanwhile.
  auto ready =
      this->store_->EnqueueEvent({w.id, "", "", "order_received", {}, "webhook"}, this->now_);
  auto due = this->store_->DueEvents(this->now_, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, ready);

  // Decided on a stale version: refused.
  StepCommit step;
  step.workflow_id = w.id;
  step.expected_version = w.version;
  step.state = "validating";
  step.status = "waiting";
  step.transitions.push_back({"start", "order_received", "validating"});
  step.consumed_event_id = ready;
  CommitResult stepped = this->store_->CommitStep(step, this->now_);
  ASSERT_TRUE(std::holds_alternative<Committed>(stepped));
  EXPECT_TRUE(std::get<Committed>(stepped).woke_deferred_events) << "the caller is told to look";
  EXPECT_TRUE(std::holds_alternative<VersionConflict>(
      this->store_->DeferEvent(done.event_id, w.id, w.version, later, "x", this->now_)));
  // The step made the deferred event due at once, and kept its count.
  due = this->store_->DueEvents(this->now_, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, done.event_id);
  EXPECT_EQ(due[0].deferrals, 1);
  // Deferred again (count grows), then consumed: a deferral of a consumed event is refused.
  ASSERT_TRUE(std::holds_alternative<Committed>(
      this->store_->DeferEvent(done.event_id, w.id, w.version + 1, later, "x", this->now_)));
  EXPECT_EQ(this->store_->PendingEvents(w.id, 10).at(0).deferrals, 2);
  StepCommit apply = step;
  apply.expected_version = w.version + 1;
  apply.state = "cancelling";
  apply.transitions = {{"validating", "order_cancelled", "cancelling"}};
  apply.consumed_event_id = done.event_id;
  CommitResult applied = this->store_->CommitStep(apply, this->now_);
  ASSERT_TRUE(std::holds_alternative<Committed>(applied));
  EXPECT_FALSE(std::get<Committed>(applied).woke_deferred_events) << "it consumed the only one";
  EXPECT_TRUE(this->store_->PendingEvents(w.id, 10).empty());
  EXPECT_TRUE(std::holds_alternative<AlreadyConsumed>(
      this->store_->DeferEvent(done.event_id, w.id, w.version + 2, later, "x", this->now_)));
}

TYPED_TEST_P(IngestConformance, RetentionDropsOldBodiesAndKeepsTheRows) {
  InboxDelivery old = this->Delivery("wh-old", "old body");
  this->store_->RecordDelivery(old, this->now_);
  this->store_->IngestDelivery(this->Request("wh-new"), this->now_ + std::chrono::hours(48));
  EXPECT_EQ(this->store_->ExpireInboxBodies(this->now_ + std::chrono::hours(24), 100), 1);
  EXPECT_EQ(this->store_->ExpireInboxBodies(this->now_ + std::chrono::hours(24), 100), 0);
  auto rows = this->store_->RecentDeliveries("shopify", 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].body_expired);
  EXPECT_EQ(rows[0].delivery.body, "{\"id\":1}");
  EXPECT_TRUE(rows[1].body_expired);
  EXPECT_EQ(rows[1].delivery.body, "");
  EXPECT_EQ(rows[1].delivery.verdict, "accepted");
  EXPECT_EQ(rows[1].delivery.delivery_id, "wh-old");
  // The expired delivery is still known: a repeat is still a duplicate.
  EXPECT_TRUE(std::holds_alternative<Duplicate>(this->store_->RecordDelivery(old, this->now_)));
}

TYPED_TEST_P(IngestConformance, AReturnIsFoundByTheRefundItCreated) {
  for (auto [key, refund] : std::vector<std::pair<std::string, Json>>{
           {"shop/returns/1", Json("9001")}, {"shop/returns/2", Json(9002)}}) {
    NewWorkflow w;
    w.type = "return";
    w.business_key = key;
    auto created = this->store_->CreateWorkflow(w, this->now_).workflow;
    StepCommit s;
    s.workflow_id = created.id;
    s.state = "closed";
    s.status = "closed";
    s.context = {{"business_key", key}, {"refund_id", refund}};
    s.transitions.push_back({"refunding", "refund_created", "closed"});
    ASSERT_TRUE(std::holds_alternative<Committed>(this->store_->CommitStep(s, this->now_)));
  }
  EXPECT_EQ(this->store_->FindReturnByRefundId("9001")->business_key, "shop/returns/1");
  EXPECT_EQ(this->store_->FindReturnByRefundId("9002")->business_key, "shop/returns/2");
  EXPECT_FALSE(this->store_->FindReturnByRefundId("9003"));
}

TYPED_TEST_P(IngestConformance, DueEventsComeWithTheirWorkflowsEachOnceAsTheyAreNow) {
  auto first = std::get<Ingested>(this->store_->IngestDelivery(
      this->Request("wh-1", "shop/orders/1", "order_received"), this->now_));
  auto second = std::get<Ingested>(this->store_->IngestDelivery(
      this->Request("wh-2", "shop/orders/1", "order_paid"), this->now_));
  auto other = std::get<Ingested>(this->store_->IngestDelivery(
      this->Request("wh-3", "shop/orders/2", "order_received"), this->now_));
  ASSERT_EQ(first.workflow_id, second.workflow_id);
  // Stepped once since its start, so the record read must be the stepped one.
  WorkflowRecord w = *this->store_->LoadWorkflow(first.workflow_id);
  StepCommit step;
  step.workflow_id = w.id;
  step.expected_version = w.version;
  step.state = "validating";
  step.status = "waiting";
  step.context = {{"business_key", w.business_key}, {"seen", true}};
  step.transitions.push_back({w.state, "test_step", "validating"});
  ASSERT_TRUE(std::holds_alternative<Committed>(this->store_->CommitStep(step, this->now_)));

  DueEventsAndWorkflows due = this->store_->DueEventsWithWorkflows(this->now_, 10);
  std::vector<std::int64_t> ids, plain;
  for (const EventRecord& e : due.events) ids.push_back(e.id);
  for (const EventRecord& e : this->store_->DueEvents(this->now_, 10)) plain.push_back(e.id);
  EXPECT_EQ(ids, plain);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{first.event_id, second.event_id, other.event_id}));
  ASSERT_EQ(due.workflows.size(), 2u) << "the workflow with two events is there once";
  std::map<WorkflowId, WorkflowRecord> by_id;
  for (const WorkflowRecord& r : due.workflows) by_id[r.id] = r;
  ASSERT_TRUE(by_id.count(w.id));
  EXPECT_EQ(by_id[w.id].version, w.version + 1);
  EXPECT_EQ(by_id[w.id].state, "validating");
  EXPECT_EQ(by_id[w.id].context["seen"], true);
  EXPECT_EQ(by_id[w.id].business_key, "shop/orders/1");
  ASSERT_TRUE(by_id.count(other.workflow_id));
  EXPECT_EQ(by_id[other.workflow_id].state, "start");

  // The limit and the shard apply as to DueEvents.
  due = this->store_->DueEventsWithWorkflows(this->now_, 1);
  ASSERT_EQ(due.events.size(), 1u);
  ASSERT_EQ(due.workflows.size(), 1u);
  EXPECT_EQ(due.workflows[0].id, w.id);
  due = this->store_->DueEventsWithWorkflows(this->now_, 10, other.workflow_id % 2, 2);
  for (const EventRecord& e : due.events) EXPECT_EQ(e.workflow_id % 2, other.workflow_id % 2);
  for (const WorkflowRecord& r : due.workflows) EXPECT_EQ(r.id % 2, other.workflow_id % 2);
}

REGISTER_TYPED_TEST_SUITE_P(IngestConformance, ADeliveryStartsItsWorkflowAndQueuesItsEventTogether,
                            ARepeatedDeliveryIsADuplicateAndWritesNothing,
                            SignalOnlyNeedsTheWorkflowAndWritesNothingWithoutIt,
                            WithoutADeliveryEveryCallQueuesAndNothingIsRecorded,
                            ADeliveryWithoutAnEventIsRecordedAgainstItsWorkflow,
                            EightThreadsRacingOneDeliveryQueueOneEvent,
                            EightDeliveriesRacingToStartOneWorkflowCreateItOnce,
                            RejectedDeliveriesKeepBodyAndReasonAndRepeatsTheirVerdict,
                            ADeferredEventWaitsUntilItsTimeOrTheNextStep,
                            RetentionDropsOldBodiesAndKeepsTheRows,
                            AReturnIsFoundByTheRefundItCreated,
                            DueEventsComeWithTheirWorkflowsEachOnceAsTheyAreNow);

}  // namespace o2c::testing
