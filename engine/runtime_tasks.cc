// Runtime's task loop: running the claimed and leased tasks and committing their outcomes
// (runtime.h, RunTasks). Split from runtime.cc to keep each file readable.
#include <algorithm>
#include <exception>
#include <set>
#include <utility>

#include "engine/runtime.h"

namespace o2c {

void Runtime::GiveBack(TaskId task, TimePoint at) {
  NoteScheduled(at);
  store_.DeferTask(task, options_.worker_id, at, clock_.Now());
}

void Runtime::ReleaseClaimedTasks() {
  for (const TaskRecord& task : std::exchange(claimed_, {})) {
    try {
      GiveBack(task.id, clock_.Now());
      ++given_back_;
    } catch (const StoreError&) {
      // Shutting down with the database gone: the lease expires and the task is re-leased.
    }
  }
}

int Runtime::RunTasks(activities::ActivityExecutor& executor, int limit) {
  // Why a loop with claimed tasks still leases: the tasks its own steps could not claim (beyond
  // the budget) are its to run next, as before claims; and tasks nobody claimed (retries, other
  // processes') must not wait behind loops that keep making their own, hence every 100 ms.
  constexpr auto kLeaseLookInterval = std::chrono::milliseconds(100);
  std::vector<TaskRecord> tasks = std::exchange(claimed_, {});
  const TimePoint now = clock_.Now();
  const bool idle = tasks.empty() && (!options_.lease_only_when_told || look_for_tasks_);
  const bool look = idle || left_unclaimed_ || now >= next_lease_look_;
  if (static_cast<int>(tasks.size()) < limit && look) {
    next_lease_look_ = now + kLeaseLookInterval;
    look_for_tasks_ = false;
    const int wanted = limit - static_cast<int>(tasks.size());
    std::vector<TaskRecord> leased =
        store_.LeaseTasks(options_.worker_id, now, options_.lease_for, wanted);
    if (static_cast<int>(leased.size()) < wanted) left_unclaimed_ = false;  // none left due
    for (TaskRecord& t : leased) tasks.push_back(std::move(t));
  }
  std::vector<Input> outcomes;  // of calls made, not yet applied
  TimePoint oldest_call{};      // when the call of outcomes.front() started
  auto apply_outcomes = [&] {
    // Taken out first, so that they are applied once only, even if applying throws.
    std::vector<Input> batch = std::exchange(outcomes, {});
    ApplyOutcomes(batch);
  };
  std::size_t first_uncalled = 0;  // tasks from here on were not called (yet)
  try {
    for (std::size_t i = 0; i < tasks.size(); first_uncalled = ++i) {
      const TaskRecord& task = tasks[i];
      if (options_.stopping && options_.stopping()) {
        // Not yet called, so not an attempt: give it back now rather than strand it for lease_for.
        GiveBack(task.id, clock_.Now());
        ++given_back_;
        continue;
      }
      if (task.lease_expires_at && clock_.Now() >= *task.lease_expires_at) {
        // The calls before it in this batch outlasted its lease: another worker may hold the
        // task now, so calling would send a second request whose outcome could not be committed.
        continue;
      }
      activities::ActivityCall call{task.id,    task.workflow_id,     task.activity,
                                    task.input, task.idempotency_key, task.attempt,
                                    ""};
      if (options_.gate) {
        if (std::optional<TimePoint> retry_at = options_.gate->Admit(call, clock_.Now())) {
          // Why the jitter: every task refused by an open breaker would otherwise wait for the
          // same instant, and the lowest task id would be the half-open probe every time, burning
          // its attempts alone until it died. Spread, the probe is a different task each time.
          const auto wait =
              std::chrono::duration_cast<std::chrono::milliseconds>(*retry_at - clock_.Now());
          const auto spread =
              std::clamp(wait / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(1'000));
          std::uniform_int_distribution<std::int64_t> jitter(0, spread.count());
          GiveBack(task.id, *retry_at + std::chrono::milliseconds(jitter(rng_)));
          continue;
        }
      }
      // Counted from the start of the oldest held outcome's call, so after one slow call (a
      // real downstream) its outcome is committed before the next call, not after it.
      if (!outcomes.empty() && clock_.Now() - oldest_call >= kOutcomeHold) apply_outcomes();
      // The attempt's start, recorded with its outcome (task_attempts): taken after the gate, so
      // the duration is the call's own.
      const TimePoint started_at = clock_.Now();
      first_uncalled = i + 1;
      activities::Outcome outcome = executor.Execute(call);
      if (options_.gate) options_.gate->Record(call, outcome, clock_.Now());
      if (std::optional<Input> in = TakeOutcome(task, outcome, started_at)) {
        if (outcomes.empty()) oldest_call = started_at;
        outcomes.push_back(std::move(*in));
      }
    }
  } catch (...) {
    // The tasks not called go back unattempted, as on `stopping`, rather than wait out their
    // leases; the outcomes of the calls made go in before the error does. A failing store
    // fails these too, and then the leases expire as after a crash.
    for (std::size_t i = first_uncalled; i < tasks.size(); ++i) {
      try {
        GiveBack(tasks[i].id, clock_.Now());
        ++given_back_;
      } catch (const StoreError&) {
      }
    }
    apply_outcomes();
    throw;
  }
  apply_outcomes();
  return static_cast<int>(tasks.size());
}

void Runtime::ApplyOutcomes(std::vector<Input>& outcomes) {
  std::vector<Input> firsts, later;
  std::set<WorkflowId> seen;
  for (Input& in : outcomes)
    (seen.insert(in.workflow_id).second ? firsts : later).push_back(std::move(in));
  Failures failures;
  ApplyTogether(firsts, failures);
  // A workflow whose earlier outcome failed gets no later one now: it would be applied out of
  // order. Its task stays leased and is called again (same key) once the lease expires.
  for (const Input& in : later)
    if (!failures.workflows.count(in.workflow_id)) failures.Apply(*this, in);
  failures.Rethrow();
}

std::optional<Runtime::Input> Runtime::TakeOutcome(const TaskRecord& task,
                                                   const activities::Outcome& outcome,
                                                   TimePoint started_at) {
  Input in{task.workflow_id, {}, {}, "worker:" + options_.worker_id};
  TaskCompletion done;
  done.task_id = task.id;
  done.lease_owner = options_.worker_id;
  done.started_at = started_at;
  done.finished_at = clock_.Now();  // not the commit's time: outcomes may be held (RunTasks)
  if (const auto* ok = std::get_if<activities::Succeeded>(&outcome)) {
    done.status = "succeeded";
    done.result = ok->result;
    in.consume.task_completion = std::move(done);
    in.event = {"activity_succeeded",
                {{"activity", task.activity},
                 {"idempotency_key", task.idempotency_key},
                 {"result", ok->result}}};
    return in;
  }
  if (const auto* retry = std::get_if<activities::RetryAfter>(&outcome)) {
    if (task.attempt < task.max_attempts) {
      auto wait = std::max(retry->delay, Backoff(PolicyFor(task.activity), task.attempt));
      const TimePoint now = clock_.Now();
      std::optional<std::string> error_class;
      if (!retry->error_class.empty()) error_class = retry->error_class;
      NoteScheduled(now + wait);
      store_.RescheduleTask(task.id, options_.worker_id, now + wait, retry->error, now, started_at,
                            error_class);
      return std::nullopt;
    }
    std::string error = retry->error.empty() ? "attempts exhausted" : retry->error;
    done.status = "dead";
    done.last_error = error;
    done.error_class = "exhausted";
    in.consume.task_completion = std::move(done);
    in.event = {"activity_failed",
                {{"activity", task.activity},
                 {"idempotency_key", task.idempotency_key},
                 {"reason", error},
                 {"error_class", "exhausted"},
                 {"attempts", task.attempt}}};
    return in;
  }
  const auto& permanent = std::get<activities::Permanent>(outcome);
  done.status = "failed";
  done.last_error = permanent.reason;
  done.error_class = permanent.error_class;
  in.consume.task_completion = std::move(done);
  in.event = {"activity_failed",
              {{"activity", task.activity},
               {"idempotency_key", task.idempotency_key},
               {"reason", permanent.reason},
               {"error_class", permanent.error_class}}};
  return in;
}

}  // namespace o2c
