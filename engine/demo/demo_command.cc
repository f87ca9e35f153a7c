// `o2c demo`: the main job. Starts (or uses) Postgres, runs `o2c sim` and `o2c serve` as child
// processes, sends the seeded stream of signed Shopify webhooks (demo_scenario.h) while showing
// progress, waits for the workflows to settle, and prints a summary read from the database and
// the simulator (demo_summary.h).
#include "engine/demo/demo_command.h"

#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "engine/cli_args.h"
#include "engine/demo/demo_processes.h"
#include "engine/demo/demo_scenario.h"
#include "engine/demo/demo_summary.h"
#include "engine/http/hmac.h"
#include "engine/http/http_client.h"
#include "engine/migrations.h"
#include "engine/serve.h"

namespace o2c {
namespace {

namespace fs = std::filesystem;
using demo::ChildProcess;
using Json = nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};
void Interrupt(int) { g_interrupted = true; }

constexpr const char* kShopifySecret = "o2c-demo-shopify-secret";
constexpr const char* kWmsSecret = "o2c-demo-wms-secret";

// The checkout this binary was built in (build/o2c -> .), where ops/pg lives; O2C_ROOT wins.
fs::path RepoRoot() {
  if (const char* root = std::getenv("O2C_ROOT")) return root;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path())
    if (fs::exists(dir / "ops" / "pg")) return dir;
  return {};
}

std::string RunAndCapture(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    if (::pclose(p) != 0) throw std::runtime_error("`" + command + "` failed");
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// With no database given: the checkout's private cluster (ops/pg), and a fresh o2c_demo database
// in it so the summary counts this run only.
std::string PrivateDemoDatabase(const fs::path& root, const fs::path& logs) {
  if (root.empty())
    throw UsageError("no O2C_DATABASE_URL and no checkout with ops/pg found (set O2C_ROOT)");
  std::string pg = (root / "ops" / "pg").string();
  if (std::system((pg + " start >>" + (logs / "pg.log").string() + " 2>&1").c_str()) != 0)
    throw std::runtime_error("ops/pg start failed; see " + (logs / "pg.log").string());
  std::string admin = RunAndCapture(pg + " url");
  pqxx::connection c(admin);
  pqxx::nontransaction tx(c);
  tx.exec("DROP DATABASE IF EXISTS o2c_demo WITH (FORCE)");
  tx.exec("CREATE DATABASE o2c_demo");
  return admin + " dbname=o2c_demo";
}

// The demo's faults: a 20-second ERP outage 30% into the stream, and 5% ambiguous answers (the
// document is created, the answer lost) on every mutating call.
std::string WriteFaults(const fs::path& logs, milliseconds stream) {
  Json rules = {{"rules",
                 {{{"match", "POST /erp"},
                   {"outage", {{"start_in_s", stream.count() * 0.3 / 1000}, {"duration_s", 20}}}},
                  {{"match", "POST /"}, {"ambiguous_rate", 0.05}}}}};
  fs::path file = logs / "faults.json";
  std::ofstream(file) << rules.dump(2) << "\n";
  return file.string();
}

// Sends the scenario's deliveries at their offsets, retrying (same webhook id, as Shopify does) a
// delivery that got no answer or a 5xx. Counts answers by status; `lost` = never acknowledged.
struct SendStats {
  std::atomic<long> sent{0}, retried{0}, lost{0};
  std::map<int, long> by_status;  // written by the sender only, read after join
};

void SendScenario(const demo::Scenario& scenario, const std::string& serve_url,
                  const std::string& shop, SendStats& stats) {
  http::HttpClient client({milliseconds(2'000), milliseconds(10'000), 8});
  const auto start = Clock::now();
  for (const demo::Delivery& d : scenario.deliveries) {
    while (!g_interrupted && Clock::now() < start + d.at)
      std::this_thread::sleep_for(
          std::min<Clock::duration>(start + d.at - Clock::now(), milliseconds(50)));
    if (g_interrupted) return;
    http::HeaderMap headers = {
        {"X-Shopify-Topic", d.topic},
        {"X-Shopify-Hmac-Sha256", http::HmacSha256Base64(kShopifySecret, d.body)},
        {"X-Shopify-Shop-Domain", shop},
        {"X-Shopify-Webhook-Id", d.webhook_id},
        {"X-Shopify-Triggered-At", "2026-11-22T10:00:00Z"}};
    bool acknowledged = false;
    for (int attempt = 0; attempt < 6 && !acknowledged && !g_interrupted; ++attempt) {
      if (attempt > 0) {
        ++stats.retried;
        std::this_thread::sleep_for(milliseconds(500 * attempt));
      }
      http::HttpCallResult r =
          client.Send(serve_url, http::MakeRequest("POST", "/webhooks/shopify", headers, d.body));
      if (!r.response) continue;
      if (r.response->status >= 500) continue;
      ++stats.by_status[r.response->status];
      acknowledged = true;
    }
    ++stats.sent;
    if (!acknowledged) ++stats.lost;
  }
}

void PrintProgress(const demo::Progress& p, long sent, long total, int orders) {
  const int width = 30;
  int filled = orders ? static_cast<int>(width * p.orders_settled / orders) : 0;
  std::string bar(static_cast<size_t>(std::min(filled, width)), '#');
  bar.resize(width, '.');
  std::fprintf(
      stderr,
      "\r  [%s] webhooks %ld/%ld · orders settled %ld/%d · in flight %ld · attention %ld   ",
      bar.c_str(), sent, total, p.orders_settled, orders, p.in_flight, p.needs_attention);
  std::fflush(stderr);
}

Json FetchSimStats(const std::string& sim_url) {
  http::HttpClient client;
  http::HttpCallResult r = client.Send(sim_url, http::MakeRequest("GET", "/sim/stats"));
  if (!r.response || r.response->status != 200) return Json::object();
  Json stats = Json::parse(r.response->body, nullptr, false);
  return stats.is_discarded() ? Json::object() : stats;
}

}  // namespace

int RunDemoCommand(const std::vector<std::string>& raw) {
  CliArgs args(raw,
               {"orders", "seed", "duration-s", "database-url", "summary-json", "settle-timeout-s",
                "threads"},
               {"keep-running"});
  demo::ScenarioOptions scenario_options;
  scenario_options.orders = args.GetInt("orders", 300);
  scenario_options.seed = static_cast<std::uint64_t>(args.GetInt("seed", 1));
  if (scenario_options.orders < 1 || scenario_options.orders > 100'000)
    throw UsageError("--orders must be between 1 and 100000");
  // About a minute for the default 300 orders; smaller runs are quicker.
  int duration_s = args.GetInt("duration-s", std::max(10, scenario_options.orders / 5));
  if (duration_s < 1) throw UsageError("--duration-s must be at least 1");
  scenario_options.duration = milliseconds(duration_s * 1000L);
  const int settle_timeout_s = args.GetInt("settle-timeout-s", 180);

  const fs::path root = RepoRoot();
  const fs::path logs = (root.empty() ? fs::temp_directory_path() : root / ".o2c") / "demo";
  fs::create_directories(logs);
  std::signal(SIGINT, Interrupt);
  std::signal(SIGTERM, Interrupt);

  std::string dsn;
  if (args.Has("database-url") || std::getenv("O2C_DATABASE_URL")) {
    dsn = DatabaseUrl(args);
  } else {
    std::cerr << "o2c demo: starting the private Postgres (ops/pg)\n";
    dsn = PrivateDemoDatabase(root, logs);
  }
  Migrate(dsn);

  const int sim_port = demo::FreeLocalPort(), serve_port = demo::FreeLocalPort();
  const std::string sim_url = "http://127.0.0.1:" + std::to_string(sim_port);
  const std::string serve_url = "http://127.0.0.1:" + std::to_string(serve_port);
  const milliseconds stream = scenario_options.duration;
  ChildProcess sim(
      "sim",
      {"sim", "--listen", "127.0.0.1:" + std::to_string(sim_port), "--engine-url", serve_url,
       "--faults", WriteFaults(logs, stream), "--seed", std::to_string(scenario_options.seed)},
      {{"O2C_WMS_SECRET", kWmsSecret}}, (logs / "sim.log").string());
  ChildProcess serve(
      "serve",
      {"serve", "--listen", "127.0.0.1:" + std::to_string(serve_port), "--activities", "http",
       "--threads", args.GetOr("threads", std::to_string(kDefaultLoops))},
      {{"O2C_DATABASE_URL", dsn},
       {"O2C_SHOPIFY_SECRET", kShopifySecret},
       {"O2C_WMS_SECRET", kWmsSecret},
       {"O2C_ERP_URL", sim_url},
       {"O2C_ROUTING_URL", sim_url},
       {"O2C_WMS_URL", sim_url},
       {"O2C_SHOPIFY_URL", sim_url}},
      (logs / "serve.log").string());
  if (!demo::WaitForHttp200(sim_url, "/sim/stats", milliseconds(15'000)))
    throw std::runtime_error("o2c sim did not start; see " + sim.log_path());
  if (!demo::WaitForHttp200(serve_url, "/healthz", milliseconds(30'000)))
    throw std::runtime_error("o2c serve did not start; see " + serve.log_path());
  std::cerr << "o2c demo: sim on " << sim_url << ", serve on " << serve_url << ", logs in "
            << logs.string() << "\n";

  demo::Scenario scenario = demo::BuildScenario(scenario_options);
  std::cerr << "o2c demo: " << scenario_options.orders << " orders, " << scenario.deliveries.size()
            << " webhook deliveries over about " << duration_s
            << " s (a 20 s ERP outage and 5% lost answers included)\n";
  SendStats stats;
  std::thread sender(SendScenario, std::cref(scenario), serve_url, scenario_options.shop,
                     std::ref(stats));
  const long total = static_cast<long>(scenario.deliveries.size());
  // Settled: every delivery sent, and no workflow running or waiting and no input pending for
  // two looks in a row (half a second apart).
  auto settle_deadline = Clock::time_point::max();
  int quiet_looks = 0;
  demo::Progress progress;
  while (!g_interrupted) {
    std::this_thread::sleep_for(milliseconds(500));
    if (!serve.Running() || !sim.Running()) {
      std::cerr << "\no2c demo: a child process died; see " << serve.log_path() << " and "
                << sim.log_path() << "\n";
      g_interrupted = true;
      break;
    }
    progress = demo::ReadProgress(dsn);
    PrintProgress(progress, stats.sent, total, scenario_options.orders);
    if (stats.sent < total) continue;
    if (settle_deadline == Clock::time_point::max())
      settle_deadline = Clock::now() + std::chrono::seconds(settle_timeout_s);
    quiet_looks = progress.in_flight == 0 && progress.pending_inputs == 0 ? quiet_looks + 1 : 0;
    if (quiet_looks >= 2 || Clock::now() > settle_deadline) break;
  }
  std::cerr << "\n";
  sender.join();

  Json summary = demo::ReadSummary(dsn, FetchSimStats(sim_url));
  summary["webhooks"] = {{"planned", total},
                         {"sent", stats.sent.load()},
                         {"retried", stats.retried.load()},
                         {"lost", stats.lost.load()}};
  for (const auto& [status, n] : stats.by_status)
    summary["webhooks"]["answers"][std::to_string(status)] = n;
  summary["settled"] = quiet_looks >= 2;
  summary["planned"] = Json::object();
  for (const auto& [fate, n] : scenario.planned) summary["planned"][fate] = n;
  std::cout << demo::RenderSummary(summary);
  std::cout << "Webhooks: " << stats.sent << " sent, " << stats.retried << " retried, "
            << stats.lost << " lost\n";
  if (!summary["settled"].get<bool>())
    std::cout << "Not settled: " << progress.in_flight << " workflows still in flight after "
              << settle_timeout_s << " s\n";
  std::cout << "\nConsole: " << serve_url << "/   Metrics: " << serve_url << "/metrics"
            << (args.Has("keep-running") ? "" : "   (served while the demo runs; --keep-running)")
            << "\nDatabase: O2C_DATABASE_URL='" << dsn << "'\n";
  if (auto file = args.Get("summary-json")) std::ofstream(*file) << summary.dump(2) << "\n";

  if (args.Has("keep-running") && !g_interrupted) {
    std::cerr << "o2c demo: running until Ctrl-C\n";
    while (!g_interrupted && serve.Running() && sim.Running())
      std::this_thread::sleep_for(milliseconds(200));
  }
  serve.Stop();
  sim.Stop();
  std::cerr << "o2c demo: stopped sim and serve\n";
  if (g_interrupted) return 130;
  return summary["duplicates"].get<long>() == 0 && stats.lost == 0 ? 0 : 1;
}

}  // namespace o2c
