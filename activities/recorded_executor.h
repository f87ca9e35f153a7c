// The in-process downstreams with their state in Postgres, so that their idempotency survives a
// crash of the engine process: a repeated idempotency key gets the first answer back (and is
// counted as a repeat) instead of creating a second document. The crash tests use it to prove
// that `kill -9` at any point leads neither to a duplicate document nor to a skipped activity.
//
// Its table, o2c_recorded_effects (one row per idempotency key), is test scaffolding and is
// created on first use, not by the schema migrations.
//
// Thread-safe: each calling thread gets its own connection.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "activities/activity.h"

namespace o2c::activities {

class RecordedExecutor final : public ActivityExecutor {
 public:
  explicit RecordedExecutor(std::string dsn);
  ~RecordedExecutor() override;
  Outcome Execute(const ActivityCall& call) override;

 private:
  struct Connection;
  Connection& ForThisThread();

  std::string dsn_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace o2c::activities
