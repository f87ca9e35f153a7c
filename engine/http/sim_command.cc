#include "engine/http/sim_command.h"

#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "activities/adapters/downstream_config.h"
#include "activities/sim/sim_service.h"
#include "engine/cli_args.h"
#include "engine/http/hmac.h"
#include "engine/http/http_server.h"

namespace o2c {

namespace {

using Json = nlohmann::json;

// Why by hand: CliArgs keeps one value per flag, and --fault is meant to be given once per rule.
// Removes every "--fault SPEC" / "--fault=SPEC" from `args` and returns the specs.
std::vector<std::string> TakeFaultSpecs(std::vector<std::string>& args) {
  std::vector<std::string> specs, rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--fault") {
      if (i + 1 >= args.size()) throw UsageError("--fault needs a value");
      specs.push_back(args[++i]);
    } else if (args[i].rfind("--fault=", 0) == 0) {
      specs.push_back(args[i].substr(8));
    } else {
      rest.push_back(args[i]);
    }
  }
  args = std::move(rest);
  return specs;
}

std::vector<sim::FaultRule> FaultRules(const CliArgs& args, const std::vector<std::string>& specs) {
  Json rules = Json::array();
  auto append = [&rules](const Json& parsed, const std::string& source) {
    try {
      sim::ParseFaultRules(parsed);  // validates, with the rule's own messages
    } catch (const std::exception& e) {
      throw UsageError("bad " + source + ": " + e.what());
    }
    for (const Json& rule : parsed["rules"]) rules.push_back(rule);
  };
  if (auto file = args.Get("faults")) {
    std::ifstream in(*file);
    if (!in) throw UsageError("cannot read --faults file " + *file);
    std::stringstream text;
    text << in.rdbuf();
    Json parsed = Json::parse(text.str(), nullptr, false);
    if (parsed.is_discarded()) throw UsageError("bad --faults file " + *file + ": not JSON");
    append(parsed, "--faults file " + *file);
  }
  if (auto json = args.Get("faults-json")) {
    Json parsed = Json::parse(*json, nullptr, false);
    if (parsed.is_discarded()) throw UsageError("bad --faults-json: not JSON");
    append(parsed, "--faults-json");
  }
  for (const std::string& spec : specs) {
    try {
      rules.push_back(sim::FaultSpecToJson(spec));
    } catch (const std::exception& e) {
      throw UsageError("bad --fault '" + spec + "': " + e.what());
    }
  }
  return sim::ParseFaultRules({{"rules", rules}});
}

sim::WebhookOptions Webhooks(const CliArgs& args) {
  sim::WebhookOptions webhooks;
  if (auto url = args.Get("engine-url")) {
    try {
      activities::ValidateBaseUrl(*url, "--engine-url");
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    webhooks.engine_url = *url;
  }
  if (auto secret = args.Get("wms-secret")) {
    webhooks.secret = *secret;
  } else if (const char* env = std::getenv("O2C_WMS_SECRET")) {
    // Why the first: the list is for the receiver, which accepts any of them during a rotation;
    // a sender signs with the newest, listed first.
    std::vector<std::string> keys = http::SplitSecrets(env);
    if (!keys.empty()) webhooks.secret = keys.front();
  }
  std::string delay = args.GetOr("wms-delay-ms", "");
  if (delay.empty()) {
    const char* env = std::getenv("O2C_SIM_WMS_DELAY_MS");
    delay = env != nullptr ? env : "200";
  }
  if (delay.empty() || delay.size() > 9 ||
      delay.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("--wms-delay-ms / O2C_SIM_WMS_DELAY_MS must be a non-negative integer, got '" +
                     delay + "'");
  webhooks.step_delay = std::chrono::milliseconds(std::stoll(delay));
  return webhooks;
}

}  // namespace

int RunSimCommand(const std::vector<std::string>& raw) {
  std::vector<std::string> rest = raw;
  const std::vector<std::string> fault_specs = TakeFaultSpecs(rest);
  CliArgs args(rest,
               {"listen", "faults", "faults-json", "seed", "threads", "timeout-delay-ms",
                "engine-url", "max-connections", "wms-secret", "wms-delay-ms"},
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
  options.webhooks = Webhooks(args);
  const std::vector<sim::FaultRule> rules = FaultRules(args, fault_specs);

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

  // Why block the signals before starting any thread (the server's, the webhook sender's): they
  // inherit the mask, so only sigwait below ever sees SIGINT/SIGTERM, and shutdown runs on this
  // thread, not in a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto service = std::make_shared<sim::SimService>(options);
  if (!rules.empty()) service->SetFaults(rules);
  http::HttpServer server(server_options,
                          [service](const http::HttpRequest& req) { return service->Handle(req); });
  server.Start();
  if (options.webhooks.enabled()) {
    std::cerr << "o2c sim: WMS webhooks to " << options.webhooks.engine_url << "/webhooks/wms, "
              << options.webhooks.step_delay.count() << " ms apart"
              << (options.webhooks.secret.empty()
                      ? " (WARNING: no --wms-secret or O2C_WMS_SECRET: unsigned)"
                      : " (signed)")
              << std::endl;
  }
  if (!rules.empty()) std::cerr << "o2c sim: " << rules.size() << " fault rule(s)" << std::endl;
  std::cerr << "o2c sim: listening on " << server.address() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "o2c sim: " << (received == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping"
            << std::endl;
  // Why the webhooks first: a 3PL that is going away stops sending; the queue is dropped.
  service->StopWebhooks();
  server.Stop();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  return 0;
}

}  // namespace o2c
