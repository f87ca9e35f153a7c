// When a parking worker loop next has work: the store's answer (WorkflowStore::NextDueAt),
// reused for a while instead of asked on every park. Kept apart from worker_pool.cc so that the
// reuse rule, which decides how long work can wait unnoticed, is tested on its own
// (tests/unit/due_answer_test.cc).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "engine/clock.h"

namespace o2c {

class DueAnswer {
 public:
  using Steady = std::chrono::steady_clock;

  explicit DueAnswer(Steady::duration reuse) : reuse_(reuse) {}

  // When the loop next has work, nullopt for "nothing known" (the caller parks its longest).
  // `now` and `wall` are the same instant on the two clocks; `own` is the earliest thing the
  // loop's own runtime scheduled since its last look (Runtime::scheduled_since_look).
  // Calls `ask` (the store) when the last answer is older than the reuse period, when a time it
  // or `own` named has come (only a fresh answer says what is left), or after Forget(). A reused
  // answer is never later than the end of its reuse, so a park on it ends there and the next
  // one asks: work nobody told the loop of waits at most `reuse` longer than it would have.
  std::optional<TimePoint> Next(Steady::time_point now, TimePoint wall,
                                std::optional<TimePoint> own,
                                const std::function<std::optional<TimePoint>()>& ask);

  // The next Next asks the store (a park ran out, another process said something changed, the
  // connection was replaced).
  void Forget() { until_ = {}; }

 private:
  const Steady::duration reuse_;
  std::optional<TimePoint> answer_;  // the last answer (nullopt: nothing due)
  Steady::time_point until_{};       // it may be reused until then
};

}  // namespace o2c
