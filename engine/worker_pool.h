// The worker pool of `o2c serve`: the runtime loops on a Boost.Asio thread pool.
//
// One loop per shard (RuntimeOptions::shard). A loop owns a store connection and a Runtime and runs
// rounds — its shard's due events, due timers, a leased batch of tasks (each call bounded by its
// downstream's timeouts), every outcome committed with the step it causes — for as long as rounds
// find work. A round that finds nothing parks the loop on its own steady_timer until the store's
// NextDueAt (a task's next attempt or lease expiry, a timer, a deferred event), at most
// `max_idle`: an idle engine asks the database one question per loop per wake instead of polling.
// A loop that parks again within a second of asking reuses that answer, with what it scheduled
// itself since, and parks no longer than that second (NextDue).
// A parked loop is woken early when
//   - this process made work for it: Wake(workflow) after an accepted webhook; after a step that
//     made deferred events of a workflow due (Committed::woke_deferred_events); and after a step
//     that queued events for other workflows, children and parents, each of whose owners is
//     woken (Committed::signalled);
//   - another process did: the pool LISTENs on kWorkChannel (work_channel.h) and wakes the owner of
//     the workflow named in the payload, or every loop for an empty one.
// The same wakes tell a busy loop what to look at, so a round asks only what may have changed:
// its shard's events after a wake (or every 100 ms), and — when its own steps left it no claimed
// task to run — due tasks only after a park ran out, another process's notification, its steps
// leaving tasks unclaimed, or every 100 ms (RuntimeOptions::lease_only_when_told).
// A loop's handlers all run on its strand, one at a time, so its store, runtime and timer need no
// locks; the pool has one thread per loop plus one, so wakes and notifications never wait for a
// round to finish.
//
// Stop() is graceful: no round starts after it, a round in progress finishes the call it is making
// and gives back the tasks of its batch it has not started (RuntimeOptions::stopping), and the
// threads join; then, if tasks went back, one NOTIFY on the work channel tells other processes.
// Leases therefore never outlive the process that took them — except after kill -9, when they
// expire after lease_for and the next worker takes them.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "activities/activity.h"
#include "engine/group_committer.h"
#include "engine/runtime.h"

namespace o2c {

struct WorkerPoolOptions {
  std::string dsn;
  int loops = 4;
  // RuntimeOptions for loop `shard` (worker id, lease, gate, policies, observers). The pool sets
  // shard, shards and stopping itself and chains its wake-ups behind the observers.
  std::function<RuntimeOptions(int shard)> runtime_options;
  activities::ActivityExecutor* executor = nullptr;  // not owned; must be thread-safe
  std::chrono::milliseconds max_idle{5'000};         // the longest a parked loop sleeps
  std::chrono::milliseconds reconnect_after{200};    // after a lost database connection
  bool listen = true;                                // LISTEN for other processes' work
  // > 0: the loops' steps share commits through one GroupCommitter with this many connections
  // (engine/group_committer.h), so steps committed at the same moment cost one commit. 0: each
  // loop commits its own steps.
  int group_commit_connections = 0;
  // Tasks a loop leases per round. Its calls run one after another, and the events of its shard
  // wait until they are done: a small batch keeps a new input from queueing behind a long batch of
  // calls, and spreads slow calls over the loops instead of one loop holding many (bench saga with
  // 32 in flight: step p99 67 ms with 32, 36 ms with 4; over 200 ms HTTP calls at 64 loops, 16 and
  // 34 sagas/s), at the price of one more lease query per few calls (a backlog runs ~10 % slower).
  int task_batch = 4;
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Start();
  // Wakes the loop that owns workflow `id`'s events, for an event queued for it (a parked loop
  // runs a round at once; a busy one runs another round before it parks). Thread-safe, cheap,
  // never blocks.
  void Wake(WorkflowId id);
  // Wakes every loop to look for events and tasks.
  void WakeAll();
  // Graceful stop, see above. Idempotent; blocks until the threads have joined.
  void Stop();

  struct Counters {
    std::uint64_t rounds = 0;         // rounds run
    std::uint64_t idle_rounds = 0;    // rounds that found nothing (each followed by a park)
    std::uint64_t notifications = 0;  // NOTIFYs received from the database
    // With group commit: steps committed and the commits they took.
    std::int64_t grouped_steps = 0, group_commits = 0;
  };
  Counters counters() const;

 private:
  struct Loop;
  class Listener;
  void Round(Loop& loop);
  // After the threads join: one NOTIFY if any loop gave tasks back, so other processes run them
  // now.
  void AnnounceGivenBackTasks();
  // When the parking `loop` next has work: the store's NextDueAt, or a recent answer of it together
  // with what the loop's runtime scheduled since (DueAnswer, worker_pool.cc kDueAnswerReuse).
  std::optional<TimePoint> NextDue(Loop& loop);
  void Park(Loop& loop, std::chrono::steady_clock::duration for_at_most);
  Loop& Owner(WorkflowId id);
  // `tasks_too`: the waker may have made tasks due that no step claimed, so the loop leases too.
  void WakeLoop(Loop& loop, bool tasks_too);
  RuntimeOptions OptionsFor(int shard);

  WorkerPoolOptions options_;
  SystemClock clock_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::unique_ptr<GroupCommitter> committer_;  // declared before loops_: it outlives their stores
  std::vector<std::unique_ptr<Loop>> loops_;
  std::unique_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;  // Stop() from a signal-watching thread and the destructor
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> rounds_{0}, idle_rounds_{0}, notifications_{0};
};

}  // namespace o2c
