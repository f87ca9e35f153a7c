#include "engine/due_answer.h"

#include <algorithm>

namespace o2c {

std::optional<TimePoint> DueAnswer::Next(Steady::time_point now, TimePoint wall,
                                         std::optional<TimePoint> own,
                                         const std::function<std::optional<TimePoint>()>& ask) {
  // Something named has come due since (and was taken, or not): only a fresh answer says what is
  // left, rather than a park of the shortest length until the next ask.
  const bool passed = (answer_ && *answer_ <= wall) || (own && *own <= wall);
  if (now >= until_ || passed) {
    answer_ = ask();
    until_ = now + reuse_;
    return answer_;
  }
  TimePoint due = wall + std::chrono::duration_cast<TimePoint::duration>(until_ - now);
  if (answer_) due = std::min(due, *answer_);
  if (own) due = std::min(due, *own);
  return due;
}

}  // namespace o2c
