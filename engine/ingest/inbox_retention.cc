#include "engine/ingest/inbox_retention.h"

#include <algorithm>

namespace o2c::ingest {

int ExpireInboxBodies(WorkflowStore& store, TimePoint now, std::chrono::seconds retention,
                      int batch) {
  int total = 0;
  for (;;) {
    int n = store.ExpireInboxBodies(now - retention, batch);
    total += n;
    if (n < batch) return total;
  }
}

std::chrono::milliseconds RetentionInterval(std::chrono::seconds retention) {
  using std::chrono::milliseconds;
  auto tenth = std::chrono::duration_cast<milliseconds>(retention) / 10;
  return std::clamp<milliseconds>(tenth, milliseconds(1'000), milliseconds(600'000));
}

}  // namespace o2c::ingest
