#include "engine/worker_pool.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <iostream>
#include <pqxx/pqxx>

#include "engine/due_answer.h"
#include "engine/group_commit_store.h"
#include "engine/pg_workflow_store.h"
#include "engine/work_channel.h"

namespace o2c {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {
// A loop whose round found nothing although the store says work is due (another worker's lease on
// it, a race with a commit) looks again after this, not at once: no spinning on the database.
constexpr auto kShortestPark = std::chrono::milliseconds(2);
// Timers (ship_sla, return_window) are due hours or days ahead, and every loop may fire any of
// them: a busy loop looks for due timers this often, not every round, which saves a query per
// round under load. A loop whose park ends by itself always looks (the store may have named a
// timer as the next thing due).
constexpr auto kTimerLookInterval = std::chrono::milliseconds(100);
// A loop asks for its shard's due events when something may have queued one — a wake, a park
// that ran out, its last look leaving some behind — and otherwise only this often. Every event
// this process queues wakes its owner (webhooks, the simulated WMS, steps' signals, deferred
// events made due), and other processes NOTIFY, so the interval only bounds how long an event
// nobody told us about waits while the loop is busy. Looking every round cost two empty queries
// per webhook under load (28,891 event queries found 10,000 events in a 20 s `bench ingest`).
constexpr auto kEventLookInterval = std::chrono::milliseconds(100);
// A loop that parks reuses its last NextDueAt answer for this long instead of asking again, taking
// the earlier of it and what its own runtime scheduled since (Runtime::scheduled_since_look): at
// 500 webhooks/s a loop parks after nearly every webhook, and asking each time was one statement
// in four. A park on a reused answer ends when the reuse does, so what the loop may miss
// meanwhile — work nobody in this process made or told it of: a crashed process's lease running
// out, tasks another serve gave back as it stopped — waits at most this much longer. Every loop
// accounts for what it scheduled itself, and other processes' wakes (NOTIFY) and a park that ran
// out make it ask again.
constexpr auto kDueAnswerReuse = std::chrono::seconds(1);
}  // namespace

struct WorkerPool::Loop {
  Loop(asio::io_context& io, int shard_index)
      : strand(asio::make_strand(io)), timer(strand), shard(shard_index) {}
  Strand strand;
  asio::steady_timer timer;
  int shard;
  // Strand-only state:
  bool parked = false;          // waiting on `timer`
  bool woken = false;           // a wake arrived while a round ran: run another before parking
  bool park_expired = false;    // this round began when a park ran out, not by a wake
  bool look_for_events = true;  // something may have queued an event for this shard
  bool look_for_tasks = false;  // something may have made tasks due that no step claimed
  std::chrono::steady_clock::time_point next_timer_look{}, next_event_look{};
  DueAnswer due{kDueAnswerReuse};  // the last NextDueAt answer, reused for a while
  std::unique_ptr<PgWorkflowStore> store;
  std::unique_ptr<GroupCommitStore> grouped;  // over `store`, with group commit on
  std::unique_ptr<Runtime> runtime;
};

// The LISTEN side: its own connection, whose socket the io_context watches; every notification
// wakes loops. A lost connection is reopened every second; meanwhile loops still wake on their
// timers, so nothing but latency is lost.
class WorkerPool::Listener {
 public:
  explicit Listener(WorkerPool& pool)
      : pool_(pool), strand_(asio::make_strand(pool.io_)), retry_(strand_), socket_(strand_) {}

  void Start() {
    asio::post(strand_, [this] { Connect(); });
  }
  void Stop() {
    asio::post(strand_, [this] {
      stopped_ = true;
      retry_.cancel();
      Close();
    });
  }

 private:
  class Receiver final : public pqxx::notification_receiver {
   public:
    Receiver(pqxx::connection_base& c, WorkerPool& pool)
        : pqxx::notification_receiver(c, kWorkChannel), pool_(pool) {}
    void operator()(const std::string& payload, int) override {
      ++pool_.notifications_;
      WorkflowId id = 0;
      try {
        id = payload.empty() ? 0 : std::stoll(payload);
      } catch (const std::exception&) {
        id = 0;  // not ours to judge: look everywhere
      }
      // Other processes' work may be tasks (an operator's retry), not only events.
      if (id > 0) {
        pool_.WakeLoop(pool_.Owner(id), /*tasks_too=*/true);
      } else {
        pool_.WakeAll();
      }
    }

   private:
    WorkerPool& pool_;
  };

  void Connect() {
    if (stopped_) return;
    try {
      connection_ = std::make_unique<pqxx::connection>(pool_.options_.dsn);
      receiver_ = std::make_unique<Receiver>(*connection_, pool_);  // issues LISTEN
      // Why dup: the descriptor closes what it holds; the connection must close its own socket.
      socket_.assign(::dup(connection_->sock()));
      if (failing_) std::cerr << "o2c serve: LISTEN " << kWorkChannel << " restored\n";
      failing_ = false;
      pool_.WakeAll();  // whatever was notified while we were away
      Arm();
    } catch (const std::exception& e) {
      if (!failing_)
        std::cerr << "o2c serve: LISTEN " << kWorkChannel << ": " << e.what()
                  << " (retrying every second; idle loops still look every few seconds)\n";
      failing_ = true;
      Close();
      retry_.expires_after(std::chrono::seconds(1));
      retry_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) Connect();
      });
    }
  }

  void Arm() {
    socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                       [this](const boost::system::error_code& ec) {
                         if (ec || stopped_) return;
                         try {
                           connection_->get_notifs();  // runs Receiver for each notification
                           Arm();
                         } catch (const std::exception& e) {
                           failing_ = false;  // report this loss once
                           Reconnect(e.what());
                         }
                       });
  }

  void Reconnect(const std::string& why) {
    std::cerr << "o2c serve: LISTEN " << kWorkChannel << " lost: " << why << "\n";
    Close();
    failing_ = true;
    retry_.expires_after(std::chrono::seconds(1));
    retry_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Connect();
    });
  }

  void Close() {
    boost::system::error_code ignored;
    if (socket_.is_open()) socket_.close(ignored);
    receiver_.reset();
    connection_.reset();
  }

  WorkerPool& pool_;
  Strand strand_;
  asio::steady_timer retry_;
  asio::posix::stream_descriptor socket_;
  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<Receiver> receiver_;
  bool stopped_ = false;
  bool failing_ = false;
};

WorkerPool::WorkerPool(WorkerPoolOptions options)
    : options_(std::move(options)), guard_(asio::make_work_guard(io_)) {
  options_.loops = std::max(options_.loops, 1);
  options_.task_batch = std::max(options_.task_batch, 1);
  if (options_.group_commit_connections > 0) {
    committer_ = std::make_unique<GroupCommitter>(
        [dsn = options_.dsn] { return std::make_unique<PgWorkflowStore>(dsn); }, clock_,
        options_.group_commit_connections, /*max_batch=*/64);
  }
  for (int shard = 0; shard < options_.loops; ++shard)
    loops_.push_back(std::make_unique<Loop>(io_, shard));
  if (options_.listen) listener_ = std::make_unique<Listener>(*this);
}

WorkerPool::~WorkerPool() { Stop(); }

RuntimeOptions WorkerPool::OptionsFor(int shard) {
  RuntimeOptions o = options_.runtime_options ? options_.runtime_options(shard) : RuntimeOptions{};
  o.shard = shard;
  o.shards = options_.loops;
  o.stopping = [this] { return stopping_.load(); };
  o.claim_new_tasks = options_.task_batch;
  o.remember_workflows = true;
  o.lease_only_when_told = true;
  auto deferred = std::move(o.on_deferred_events_due);
  o.on_deferred_events_due = [this, deferred, shard](WorkflowId id) {
    if (deferred) deferred(id);
    // The workflow's owner delivers its events, this loop included (it looks only when told).
    Wake(id);
  };
  auto queued = std::move(o.on_events_queued);
  o.on_events_queued = [this, queued](const std::vector<WorkflowId>& targets) {
    if (queued) queued(targets);
    // Only the owners of the signalled workflows: waking every loop for each signal made a herd
    // of empty rounds (with 64 loops, ~190 queries per signal).
    for (WorkflowId target : targets) Wake(target);
  };
  return o;
}

void WorkerPool::Start() {
  for (auto& loop : loops_) asio::post(loop->strand, [this, l = loop.get()] { Round(*l); });
  if (listener_) listener_->Start();
  const int threads = options_.loops + 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

void WorkerPool::Round(Loop& loop) {
  if (stopping_) {
    // What its last steps claimed goes back now, rather than waiting out the leases.
    if (loop.runtime) loop.runtime->ReleaseClaimedTasks();
    return;
  }
  int work = 0;
  std::optional<TimePoint> next_due;
  try {
    if (!loop.runtime) {
      loop.store = std::make_unique<PgWorkflowStore>(options_.dsn);
      WorkflowStore* store = loop.store.get();
      if (committer_) {
        loop.grouped = std::make_unique<GroupCommitStore>(*loop.store, *committer_);
        store = loop.grouped.get();
      }
      loop.runtime = std::make_unique<Runtime>(*store, clock_, OptionsFor(loop.shard));
    }
    const bool park_expired = std::exchange(loop.park_expired, false);
    const bool told_tasks = std::exchange(loop.look_for_tasks, false);
    // A park runs out at the store's NextDueAt (or max_idle): whatever it named is due now.
    if (told_tasks || park_expired) {
      loop.runtime->LookForTasks();
      loop.due.Forget();  // and ask NextDueAt afresh before parking
    }
    auto now = std::chrono::steady_clock::now();
    if (park_expired || loop.look_for_events || now >= loop.next_event_look) {
      loop.look_for_events = false;
      loop.next_event_look = now + kEventLookInterval;
      work = loop.runtime->ProcessEvents();
      if (loop.runtime->events_left()) loop.look_for_events = true;
      now = std::chrono::steady_clock::now();
    }
    if (park_expired || now >= loop.next_timer_look) {
      loop.next_timer_look = now + kTimerLookInterval;
      work += loop.runtime->FireDueTimers();
    }
    work += loop.runtime->RunTasks(*options_.executor, options_.task_batch);
    ++rounds_;
    if (work == 0 && !loop.woken) next_due = NextDue(loop);
  } catch (const std::exception& e) {
    std::cerr << "o2c serve [loop " << loop.shard << "]: " << e.what() << " (reconnecting)\n";
    loop.runtime.reset();
    loop.grouped.reset();
    loop.store.reset();
    // The reconnect's park runs out, and that round looks at everything and asks afresh.
    loop.due.Forget();
    Park(loop, options_.reconnect_after);
    return;
  }
  if (work > 0 || std::exchange(loop.woken, false)) {
    asio::post(loop.strand, [this, &loop] { Round(loop); });
    return;
  }
  ++idle_rounds_;
  std::chrono::steady_clock::duration wait = options_.max_idle;
  if (next_due) {
    wait = std::clamp<std::chrono::steady_clock::duration>(*next_due - clock_.Now(), kShortestPark,
                                                           options_.max_idle);
  }
  Park(loop, wait);
}

std::optional<TimePoint> WorkerPool::NextDue(Loop& loop) {
  return loop.due.Next(std::chrono::steady_clock::now(), clock_.Now(),
                       loop.runtime->scheduled_since_look(),
                       [&] { return loop.runtime->NextDueAt(); });
}

void WorkerPool::Park(Loop& loop, std::chrono::steady_clock::duration for_at_most) {
  loop.parked = true;
  loop.timer.expires_after(for_at_most);
  // Expiry and cancellation (a wake, Stop) both end the park; Round checks for a stop.
  loop.timer.async_wait([this, &loop](const boost::system::error_code& ec) {
    loop.parked = false;
    loop.park_expired = !ec;
    Round(loop);
  });
}

void WorkerPool::WakeLoop(Loop& loop, bool tasks_too) {
  asio::post(loop.strand, [&loop, tasks_too] {
    loop.look_for_events = true;
    if (tasks_too) loop.look_for_tasks = true;
    if (loop.parked) {
      loop.timer.cancel();
    } else {
      loop.woken = true;
    }
  });
}

WorkerPool::Loop& WorkerPool::Owner(WorkflowId id) {
  return *loops_[static_cast<size_t>(id % options_.loops)];
}

void WorkerPool::Wake(WorkflowId id) { WakeLoop(Owner(id), /*tasks_too=*/false); }

void WorkerPool::WakeAll() {
  for (auto& loop : loops_) WakeLoop(*loop, /*tasks_too=*/true);
}

void WorkerPool::Stop() {
  std::lock_guard lock(stop_mutex_);
  stopping_ = true;
  if (threads_.empty()) return;  // never started, or already stopped
  WakeAll();                     // a parked loop runs Round, which sees the stop
  if (listener_) listener_->Stop();
  guard_.reset();  // run() returns once the last handler is done
  for (auto& t : threads_) t.join();
  threads_.clear();
  AnnounceGivenBackTasks();
}

void WorkerPool::AnnounceGivenBackTasks() {
  int given_back = 0;
  for (auto& loop : loops_)  // the threads are joined: no round touches a runtime now
    if (loop->runtime) given_back += loop->runtime->TakeGivenBackCount();
  if (given_back == 0) return;
  // Why tell: the tasks are due now, but another process's parked loops would otherwise find them
  // only when their park ends (up to --max-idle-ms).
  try {
    pqxx::connection connection(options_.dsn);
    pqxx::nontransaction(connection).exec_params(kNotifyWorkSql, "");
  } catch (const std::exception& e) {
    std::cerr << "o2c serve: could not announce " << given_back
              << " tasks given back (others find them at their next look): " << e.what() << "\n";
  }
}

WorkerPool::Counters WorkerPool::counters() const {
  return {rounds_.load(), idle_rounds_.load(), notifications_.load(),
          committer_ ? committer_->steps_committed() : 0, committer_ ? committer_->commits() : 0};
}

}  // namespace o2c
