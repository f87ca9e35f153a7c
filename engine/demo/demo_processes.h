// The processes `o2c demo` runs: itself again as `o2c sim` and `o2c serve`, each with its own
// log file, stopped with SIGTERM (then SIGKILL after a grace period) when the demo ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace o2c::demo {

class ChildProcess {
 public:
  // Starts this binary (/proc/self/exe) with `args` and `env` added to the environment; stdout
  // and stderr go to `log_path` (appended). Throws std::runtime_error if it cannot start.
  ChildProcess(std::string name, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env, const std::string& log_path);
  ~ChildProcess();  // Stop()s
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool Running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Idempotent. Returns the exit status (or -signal).
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));
  const std::string& name() const { return name_; }
  const std::string& log_path() const { return log_path_; }

 private:
  std::string name_, log_path_;
  pid_t pid_ = -1;
  int status_ = 0;
};

// A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range (so outgoing
// connections cannot take it before the child binds it).
int FreeLocalPort();

// Polls GET `url` until it answers 200 or `timeout` passes; false on timeout.
bool WaitForHttp200(const std::string& base_url, const std::string& path,
                    std::chrono::milliseconds timeout);

}  // namespace o2c::demo
