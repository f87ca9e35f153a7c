// task_attempts (schema/0004) as the real Runtime writes it through PgWorkflowStore: one row per
// attempt that came to an outcome (success, retry, permanent failure, exhaustion), written with
// that outcome; none for a gate refusal or a worker that stopped mid-call (the trace names the
// gap); a new round after an operator reset the count; the named constraints. Durations are
// exact: the activities advance the ManualClock while they "run".
#include <chrono>
#include <set>

#include "engine/group_commit_store.h"
#include "engine/ops/trace.h"
#include "tests/integration/ops_pgtest_fixture.h"

namespace o2c::testing {
namespace {

using activities::Outcome;
using activities::Permanent;
using activities::RetryAfter;
using nlohmann::json;
using std::chrono::milliseconds;
using Table = std::vector<std::vector<std::string>>;

class TaskAttemptsTest : public OpsPgTest {
 protected:
  // Each attempt of `activity`, in order: round, attempt, worker, outcome, error, error_class,
  // duration in ms, started_at <= finished_at, and whether it started after the previous one
  // finished.
  Table Attempts(const std::string& activity) {
    return Rows(
        "SELECT a.round, a.attempt, a.worker, a.outcome, coalesce(a.error, '-'),"
        "       coalesce(a.error_class, '-'),"
        "       (extract(epoch from a.finished_at - a.started_at) * 1000)::int,"
        "       a.started_at <= a.finished_at,"
        "       a.started_at >= coalesce(lag(a.finished_at) OVER w, a.started_at)"
        "  FROM task_attempts a JOIN tasks t ON t.id = a.task_id"
        " WHERE t.activity = '" +
        activity + "' WINDOW w AS (ORDER BY a.round, a.attempt) ORDER BY a.round, a.attempt");
  }

  // The call takes `ms` of the test's clock, then comes to `outcome` (nullopt: the in-process
  // downstream's answer).
  auto Takes(int ms, std::optional<Outcome> outcome) {
    return [this, ms, outcome](const auto&) -> std::optional<Outcome> {
      clock_.Advance(milliseconds(ms));
      return outcome;
    };
  }

  // The trace entry of `activity`'s task in order `id`: its outcome, or its emission while open.
  json TaskEntry(long long id, const std::string& activity) {
    auto trace = ops_->Trace(std::string(kShop) + "/" + std::to_string(id));
    EXPECT_TRUE(trace);
    if (!trace) return json();
    json found;
    for (const auto& e : (*trace)["timeline"]) {
      if (e.value("activity", "") != activity) continue;
      if (e["kind"] == "activity_outcome" || (e["kind"] == "activity_emitted" && found.is_null()))
        found = e;
    }
    return found;
  }
  std::string TraceText(long long id) {
    auto trace = ops_->Trace(std::string(kShop) + "/" + std::to_string(id));
    return trace ? ops::RenderTraceText(*trace) : "";
  }
};

TEST_F(TaskAttemptsTest, ARetryThenASuccessAreTwoAttemptsWithTheirDurations) {
  int calls = 0;
  executor_.SetScript("erp.resolve_items", [&,
                                            retry = Takes(300, RetryAfter{milliseconds(0),
                                                                          "ERP 503 Service "
                                                                          "Unavailable",
                                                                          "transient"}),
                                            ok = Takes(120, std::nullopt)](const auto& c) {
    return ++calls == 1 ? retry(c) : ok(c);
  });
  StartOrder(5001);
  SettleWithRetries(3);
  ASSERT_EQ(Order(5001).state, "fulfilling");
  EXPECT_EQ(
      Attempts("erp.resolve_items"),
      (Table{{"1", "1", "w1", "retry", "ERP 503 Service Unavailable", "transient", "300", "t", "t"},
             {"1", "2", "w1", "succeeded", "-", "-", "120", "t", "t"}}));
  // Every other activity of the order succeeded at once, each exactly one attempt.
  EXPECT_EQ(One("SELECT string_agg(t.activity || ':' || a.attempt || ':' || a.outcome, ',' ORDER BY"
                " t.id) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.activity <>"
                " 'erp.resolve_items' AND t.workflow_id = " +
                std::to_string(Order(5001).id)),
            "routing.assign:1:succeeded,erp.create_sales_order:1:succeeded");

  json entry = TaskEntry(5001, "erp.resolve_items");
  ASSERT_EQ(entry["kind"], "activity_outcome") << entry.dump();
  ASSERT_EQ(entry["attempts"].size(), 2u) << entry.dump();
  EXPECT_EQ(entry["attempt"], 2);
  const json& first = entry["attempts"][0];
  EXPECT_EQ(first["outcome"], "retry");
  EXPECT_EQ(first["duration_ms"], 300);
  EXPECT_EQ(first["error"], "ERP 503 Service Unavailable");
  EXPECT_EQ(first["worker"], "w1");
  EXPECT_EQ(entry["attempts"][1]["outcome"], "succeeded");
  EXPECT_EQ(entry["attempts"][1]["duration_ms"], 120);
  EXPECT_LE(first["finished_at"].get<std::string>(),
            entry["attempts"][1]["started_at"].get<std::string>());
  const std::string started = first["started_at"];
  const std::string text = TraceText(5001);
  EXPECT_NE(text.find("attempt 1/3  " + started.substr(11, 12) +
                      "  300 ms  retry  ERP 503 Service Unavailable (transient)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("attempt 2/3  "), std::string::npos) << text;
  EXPECT_EQ(text.find("not recorded"), std::string::npos) << text;
}

TEST_F(TaskAttemptsTest, APermanentFailureIsOneFailedAttemptWithItsClass) {
  executor_.SetScript("wms.create_fulfillment",
                      Takes(40, Permanent{"409: fulfilment already exists", "conflict"}));
  StartOrder(5002);
  Settle();
  EXPECT_EQ(Attempts("wms.create_fulfillment"),
            (Table{{"1", "1", "w1", "failed", "409: fulfilment already exists", "conflict", "40",
                    "t", "t"}}));
  EXPECT_EQ(One("SELECT status FROM tasks WHERE activity = 'wms.create_fulfillment'"), "failed");
}

TEST_F(TaskAttemptsTest, OutcomesCommittedTogetherKeepTheirCallsOwnTimes) {
  // Two quick calls in one batch: the first outcome is held until the second call is done
  // (Runtime::kOutcomeHold), and still records its own 2 ms, not the 4 ms until the commit.
  executor_.SetScript("erp.resolve_items", Takes(2, Permanent{"422: unknown SKU", "permanent"}));
  StartOrder(5003);
  StartOrder(5004);
  runtime_->ProcessEvents();
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(runtime_->RunTasks(executor_, 2), 2);
  EXPECT_EQ(Attempts("erp.resolve_items"),
            (Table{{"1", "1", "w1", "failed", "422: unknown SKU", "permanent", "2", "t", "t"},
                   {"1", "1", "w1", "failed", "422: unknown SKU", "permanent", "2", "t", "t"}}));
}

TEST_F(TaskAttemptsTest, ExhaustedRetriesAreRetryRowsThenADeadOne) {
  executor_.SetScript("erp.resolve_items", Takes(10, RetryAfter{milliseconds(0), "503: ERP down"}));
  StartOrder(5003);
  SettleWithRetries(5);
  ASSERT_EQ(Order(5003).status, "needs_attention");
  EXPECT_EQ(Attempts("erp.resolve_items"),
            (Table{{"1", "1", "w1", "retry", "503: ERP down", "-", "10", "t", "t"},
                   {"1", "2", "w1", "retry", "503: ERP down", "-", "10", "t", "t"},
                   {"1", "3", "w1", "dead", "503: ERP down", "exhausted", "10", "t", "t"}}));

  // An operator retry sets the count back to 0: the next attempts are a second round.
  executor_.SetScript("erp.resolve_items", Takes(5, std::nullopt));
  ops::ActionRequest retry;
  retry.action = "retry";
  retry.reason = "ERP is back";
  retry.actor = "operator:alice";
  ASSERT_EQ(ops_->Act(Order(5003).id, retry).kind, ops::ActionOutcome::Kind::kDone);
  Settle();
  Table rows = Attempts("erp.resolve_items");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3],
            (std::vector<std::string>{"2", "1", "w1", "succeeded", "-", "-", "5", "t", "t"}));
  json entry = TaskEntry(5003, "erp.resolve_items");
  ASSERT_EQ(entry["attempts"].size(), 4u) << entry.dump();
  EXPECT_EQ(entry["attempts"][3]["round"], 2);
  EXPECT_NE(TraceText(5003).find("attempt 1/3 (round 2)  "), std::string::npos);
}

TEST_F(TaskAttemptsTest, AWorkerThatStoppedMidCallLeavesAGapTheTraceNames) {
  StartOrder(5004);
  runtime_->ProcessEvents();  // emits erp.resolve_items; nobody runs it yet
  auto leased = store_->LeaseTasks("crashed-worker", clock_.Now(), std::chrono::seconds(30), 10);
  ASSERT_EQ(leased.size(), 1u);
  ASSERT_EQ(leased[0].activity, "erp.resolve_items");

  json open = TaskEntry(5004, "erp.resolve_items");
  ASSERT_EQ(open["kind"], "activity_emitted") << open.dump();
  ASSERT_EQ(open["attempts"].size(), 1u) << open.dump();
  EXPECT_EQ(open["attempts"][0]["note"].get<std::string>().rfind(
                "in progress on worker crashed-worker (lease until ", 0),
            0u)
      << open.dump();

  clock_.Advance(std::chrono::seconds(31));  // the worker is gone; its lease runs out
  EXPECT_NE(TraceText(5004).find(
                "attempt 1/3  no outcome recorded (worker crashed-worker stopped; lease expired)"),
            std::string::npos)
      << TraceText(5004);

  executor_.SetScript("erp.resolve_items", Takes(70, std::nullopt));
  Settle();
  ASSERT_EQ(Order(5004).state, "fulfilling");
  EXPECT_EQ(Attempts("erp.resolve_items"),
            (Table{{"1", "2", "w1", "succeeded", "-", "-", "70", "t", "t"}}))
      << "attempt 1 never came to an outcome: no row";
  json entry = TaskEntry(5004, "erp.resolve_items");
  ASSERT_EQ(entry["attempts"].size(), 2u) << entry.dump();
  EXPECT_TRUE(entry["attempts"][0]["outcome"].is_null());
  EXPECT_EQ(entry["attempts"][1]["outcome"], "succeeded");
  const std::string text = TraceText(5004);
  EXPECT_NE(text.find("attempt 1/3  no outcome recorded (its worker stopped; lease expired)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  70 ms  succeeded"), std::string::npos) << text;
}

// Refuses each call once (an open circuit breaker), then lets it through.
class RefuseOnce final : public CallGate {
 public:
  std::optional<TimePoint> Admit(const activities::ActivityCall& call, TimePoint now) override {
    if (refused_.insert(call.task_id).second) return now + std::chrono::seconds(1);
    return std::nullopt;
  }
  void Record(const activities::ActivityCall&, const activities::Outcome&, TimePoint) override {}

 private:
  std::set<std::int64_t> refused_;
};

TEST_F(TaskAttemptsTest, AGateRefusalIsNotAnAttempt) {
  RefuseOnce gate;
  RuntimeOptions options;
  options.worker_id = "gated";
  options.gate = &gate;
  Runtime gated(*store_, clock_, options);
  StartOrder(5005);
  gated.ProcessEvents();
  ASSERT_EQ(gated.RunTasks(executor_), 1);
  EXPECT_EQ(One("SELECT count(*) FROM task_attempts"), "0");
  EXPECT_EQ(One("SELECT status || attempt FROM tasks"), "pending0");
  clock_.Advance(std::chrono::seconds(3));
  gated.RunTasks(executor_);
  EXPECT_EQ(Attempts("erp.resolve_items"),
            (Table{{"1", "1", "gated", "succeeded", "-", "-", "0", "t", "t"}}));
}

TEST_F(TaskAttemptsTest, GroupCommitRecordsTheAttemptInTheStepItCommits) {
  GroupCommitter committer([] { return std::make_unique<PgWorkflowStore>(SharedDatabaseDsn()); },
                           clock_, 1, 8);
  GroupCommitStore grouped(*store_, committer);
  RuntimeOptions options;
  options.worker_id = "grouped";
  Runtime runtime(grouped, clock_, options);
  int calls = 0;
  executor_.SetScript(
      "erp.resolve_items",
      [&, retry = Takes(25, RetryAfter{milliseconds(0), "503"}),
       ok = Takes(15, std::nullopt)](const auto& c) { return ++calls == 1 ? retry(c) : ok(c); });
  StartOrder(5006);
  for (int i = 0; i < 3; ++i) {
    runtime.RunUntilIdle(executor_);
    clock_.Advance(std::chrono::minutes(1));
  }
  EXPECT_EQ(Attempts("erp.resolve_items"),
            (Table{{"1", "1", "grouped", "retry", "503", "-", "25", "t", "t"},
                   {"1", "2", "grouped", "succeeded", "-", "-", "15", "t", "t"}}));
}

TEST_F(TaskAttemptsTest, ConstraintsHaveNames) {
  StartOrder(5007);
  Settle();
  const std::string task = One("SELECT min(id) FROM tasks");
  auto refused_by = [&](const std::string& values) -> std::string {
    try {
      Exec(
          "INSERT INTO task_attempts (task_id, round, attempt, worker, started_at, finished_at,"
          " outcome, error) VALUES (" +
          task + ", " + values + ")");
    } catch (const pqxx::check_violation& e) {
      return e.what();
    }
    return "accepted";
  };
  const std::string at = "'2027-01-15 08:00:00+00'", later = "'2027-01-15 08:00:01+00'";
  EXPECT_NE(refused_by("1, 9, 'w', " + later + ", " + at + ", 'retry', 'x'")
                .find("task_attempts_finished_after_start"),
            std::string::npos);
  EXPECT_NE(refused_by("1, 9, 'w', " + at + ", " + later + ", 'retry', NULL")
                .find("task_attempts_failure_has_error"),
            std::string::npos);
  EXPECT_NE(refused_by("1, 9, 'w', " + at + ", " + later + ", 'lost', 'x'")
                .find("task_attempts_outcome_known"),
            std::string::npos);
  EXPECT_NE(refused_by("1, 0, 'w', " + at + ", " + later + ", 'retry', 'x'")
                .find("task_attempts_attempt_positive"),
            std::string::npos);
  EXPECT_EQ(refused_by("1, 9, 'w', " + at + ", " + later + ", 'succeeded', NULL"), "accepted");
}

}  // namespace
}  // namespace o2c::testing
