#include "engine/http/sim_command.h"

#include <pthread.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "activities/sim/sim_service.h"
#include "engine/cli_args.h"
#include "engine/http/http_server.h"

namespace o2c {

int RunSimCommand(const std::vector<std::string>& raw) {
  CliArgs args(
      raw,
      {"listen", "faults", "seed", "threads", "timeout-delay-ms", "engine-url", "max-connections"},
      {});
  if (!args.positional().empty()) throw UsageError("sim takes no positional arguments");

  sim::SimOptions options;
  std::string seed = args.GetOr("seed", "1");
  if (seed.empty() || seed.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("--seed must be a non-negative integer");
  options.seed = std::stoull(seed);
  int timeout_delay = args.GetInt("timeout-delay-ms", 15'000);
  if (timeout_delay < 0) throw UsageError("--timeout-delay-ms must be >= 0");
  options.timeout_delay = std::chrono::milliseconds(timeout_delay);
  auto service = std::make_shared<sim::SimService>(options);

  if (auto file = args.Get("faults")) {
    std::ifstream in(*file);
    if (!in) throw UsageError("cannot read --faults file " + *file);
    std::stringstream text;
    text << in.rdbuf();
    try {
      service->SetFaults(sim::ParseFaultRules(nlohmann::json::parse(text.str())));
    } catch (const std::exception& e) {
      throw UsageError("bad --faults file " + *file + ": " + e.what());
    }
  }
  // TODO(webhooks): --engine-url is accepted for the WMS progress webhooks (sim_service.h).

  http::HttpServerOptions server_options;
  server_options.listen = args.GetOr("listen", "127.0.0.1:8090");
  // Why several threads by default: the simulated latency and timeouts block a thread each.
  server_options.threads = args.GetInt("threads", 8);
  server_options.max_connections = args.GetInt("max-connections", 256);
  if (server_options.threads < 1) throw UsageError("--threads must be >= 1");
  try {
    http::ParseListenAddress(server_options.listen);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }

  // Why block the signals before starting the server: its threads inherit the mask, so only
  // sigwait below ever sees SIGINT/SIGTERM, and shutdown runs on this thread, not in a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  http::HttpServer server(server_options,
                          [service](const http::HttpRequest& req) { return service->Handle(req); });
  server.Start();
  std::cerr << "o2c sim: listening on " << server.address() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "o2c sim: " << (received == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping"
            << std::endl;
  server.Stop();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  return 0;
}

}  // namespace o2c
