// `o2c bench ingest`: webhook accept latency of a real `o2c serve` (a child process) under an
// open-loop arrival rate, and the time from a webhook's send to the engine's first ERP call.
//
// Open loop: request i is due at start + i/rate whatever happened to earlier ones, and its
// latency is measured from when it was DUE, so a stalled server shows up as latency instead of
// silently lowering the rate (no coordinated omission). The "ERP" is an HTTP server inside this
// process that timestamps each order's first POST /erp/items/resolve on the same clock as the
// sender; every other downstream call gets 422 so orders park after that first call and the
// engine's background work stays small. Baseline, same run, same server: GET /healthz latency.
// Lost = a delivery not answered 200, or answered but missing from the inbox afterwards.
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "engine/bench_stats.h"
#include "engine/cli_args.h"
#include "engine/demo/demo_processes.h"
#include "engine/http/hmac.h"
#include "engine/http/http_client.h"
#include "engine/http/http_server.h"
#include "engine/migrations.h"
#include "engine/shopify_samples.h"

namespace o2c {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kSecret = "o2c-bench-ingest-secret";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Records when each order's first ERP call arrived.
class FirstErpCalls {
 public:
  http::HttpResponse Handle(const http::HttpRequest& req) {
    auto now = Clock::now();
    if (req.method != "POST" || req.path != "/erp/items/resolve")
      return http::ErrorResponse(422, "bench",
                                 "the ingest bench stops orders after item resolution");
    Json body = Json::parse(req.body, nullptr, false);
    Json items = Json::object();
    if (body.is_object()) {
      // The canonical order id is a JSON string; tolerate a number.
      std::string order;
      if (body.contains("order_id"))
        order = body["order_id"].is_string() ? body["order_id"].get<std::string>()
                                             : body["order_id"].dump();
      {
        std::lock_guard lock(mu_);
        arrivals_.emplace(order, now);
      }
      for (const Json& line : body.value("lines", Json::array()))
        if (line.is_object() && line.contains("sku") && line["sku"].is_string())
          items[line["sku"].get<std::string>()] = "ITEM-" + line["sku"].get<std::string>();
    }
    return http::JsonResponse(200, {{"items", items}, {"unmapped", Json::array()}});
  }
  std::optional<Clock::time_point> ArrivalOf(const std::string& order_id) {
    std::lock_guard lock(mu_);
    auto it = arrivals_.find(order_id);
    if (it == arrivals_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, Clock::time_point> arrivals_;
};

struct Delivery {
  std::string order_id, webhook_id, body, signature;
  Clock::time_point due, sent;
  double latency_ms = -1;  // -1: not answered 200
};

std::vector<Delivery> BuildDeliveries(const std::string& run, long long first_id, int count) {
  std::vector<Delivery> out(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    long long id = first_id + i;
    Delivery& d = out[static_cast<size_t>(i)];
    d.order_id = std::to_string(id);
    d.webhook_id = run + "-" + d.order_id;
    d.body = samples::ShopifyOrderJson(id, {{"SKU-" + std::to_string(i % 50), 1, "19.99"}}).dump();
    d.signature = http::HmacSha256Base64(kSecret, d.body);
  }
  return out;
}

// Sends deliveries[k], deliveries[k + threads], ... from `threads` threads, each on its own
// keep-alive connection. With `paced` each waits for the delivery's due time (open loop).
void Send(std::vector<Delivery>& deliveries, const std::string& url, int threads, bool paced) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      http::HttpClient client({milliseconds(2'000), milliseconds(10'000), 1});
      for (size_t i = static_cast<size_t>(t); i < deliveries.size();
           i += static_cast<size_t>(threads)) {
        Delivery& d = deliveries[i];
        if (paced) std::this_thread::sleep_until(d.due);
        d.sent = Clock::now();
        if (!paced) d.due = d.sent;
        http::HeaderMap headers = {{"X-Shopify-Topic", "orders/create"},
                                   {"X-Shopify-Hmac-Sha256", d.signature},
                                   {"X-Shopify-Shop-Domain", "bench.myshopify.com"},
                                   {"X-Shopify-Webhook-Id", d.webhook_id}};
        auto r = client.Send(url, http::MakeRequest("POST", "/webhooks/shopify", headers, d.body));
        if (r.response && r.response->status == 200) d.latency_ms = Ms(Clock::now() - d.due);
      }
    });
  }
  for (auto& t : pool) t.join();
}

Json Percentiles(const LatencySample& s) {
  return {{"p50", Round(s.Percentile(50), 2)},
          {"p99", Round(s.Percentile(99), 2)},
          {"p99.9", Round(s.Percentile(99.9), 2)},
          {"count", s.count()}};
}

Json Report(std::vector<Delivery>& deliveries, FirstErpCalls& erp, const std::string& dsn,
            const std::string& run, double elapsed_s) {
  // Give the engine a moment to make the last ERP calls.
  auto wait_until = Clock::now() + std::chrono::seconds(10);
  std::vector<double> accept, erp_lag;
  long unanswered = 0, no_erp_call = 0;
  for (Delivery& d : deliveries) {
    if (d.latency_ms < 0) {
      ++unanswered;
      continue;
    }
    accept.push_back(d.latency_ms);
    std::optional<Clock::time_point> at;
    while (!(at = erp.ArrivalOf(d.order_id)) && Clock::now() < wait_until)
      std::this_thread::sleep_for(milliseconds(20));
    if (at)
      erp_lag.push_back(Ms(*at - d.sent));
    else
      ++no_erp_call;
  }
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  long in_inbox = tx.exec_params1(
                        "SELECT count(*) FROM inbox WHERE delivery_id LIKE $1 AND "
                        "verdict = 'accepted'",
                        run + "-%")[0]
                      .as<long>();
  long answered = static_cast<long>(accept.size());
  return {{"deliveries", deliveries.size()},
          {"per_second", Round(deliveries.size() / elapsed_s, 1)},
          {"accept_ms", Percentiles(LatencySample::Merge({accept}, elapsed_s))},
          {"webhook_to_first_erp_call_ms", Percentiles(LatencySample::Merge({erp_lag}, elapsed_s))},
          {"no_erp_call_within_10s", no_erp_call},
          {"lost", unanswered + std::max(0L, answered - in_inbox)}};
}

}  // namespace

int RunIngestBench(const std::vector<std::string>& raw) {
  CliArgs args(raw,
               {"database-url", "rate", "seconds", "burst", "connections", "threads",
                "group-commit", "task-batch"},
               {});
  std::string dsn = DatabaseUrl(args);
  const int rate = args.GetInt("rate", 500), seconds = args.GetInt("seconds", 60);
  const int burst = args.GetInt("burst", 20'000), connections = args.GetInt("connections", 16);
  if (rate < 1 || seconds < 1 || burst < 0 || connections < 1)
    throw UsageError("--rate, --seconds and --connections must be positive, --burst >= 0");
  Migrate(dsn);

  FirstErpCalls erp;
  http::HttpServer erp_server({"127.0.0.1:0", 2},
                              [&](const http::HttpRequest& r) { return erp.Handle(r); });
  erp_server.Start();
  const std::string erp_url = "http://" + erp_server.address();
  const int port = demo::FreeLocalPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  // serve's own defaults unless the bench was told otherwise.
  std::vector<std::string> serve_args = {"serve", "--listen", "127.0.0.1:" + std::to_string(port),
                                         "--activities", "http"};
  for (const char* flag : {"threads", "group-commit", "task-batch"}) {
    if (auto value = args.Get(flag)) {
      serve_args.push_back(std::string("--") + flag);
      serve_args.push_back(*value);
    }
  }
  demo::ChildProcess serve("serve", serve_args,
                           {{"O2C_DATABASE_URL", dsn},
                            {"O2C_SHOPIFY_SECRET", kSecret},
                            {"O2C_ERP_URL", erp_url},
                            {"O2C_ROUTING_URL", erp_url},
                            {"O2C_WMS_URL", erp_url},
                            {"O2C_SHOPIFY_URL", erp_url}},
                           "/tmp/o2c-bench-ingest-serve.log");
  if (!demo::WaitForHttp200(url, "/readyz", milliseconds(30'000)))
    throw std::runtime_error("o2c serve did not become ready; see /tmp/o2c-bench-ingest-serve.log");

  // Baseline: the same server's GET /healthz (HTTP and scheduling, no database), sequentially.
  std::vector<double> health;
  {
    http::HttpClient client;
    for (int i = 0; i < 2'000; ++i) {
      auto t0 = Clock::now();
      auto r = client.Send(url, http::MakeRequest("GET", "/healthz"));
      if (r.response && r.response->status == 200) health.push_back(Ms(Clock::now() - t0));
    }
  }
  Json baseline = Percentiles(LatencySample::Merge({health}, 1));
  const std::string run =
      "bench-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  const long long first_id = std::chrono::system_clock::now().time_since_epoch().count() / 1000;

  std::vector<Delivery> paced = BuildDeliveries(run + "-r", first_id, rate * seconds);
  auto start = Clock::now() + milliseconds(100);
  for (size_t i = 0; i < paced.size(); ++i)
    paced[i].due = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(i) / rate));
  Send(paced, url, connections, true);
  Json line = Report(paced, erp, dsn, run + "-r", seconds);
  line["bench"] = "ingest";
  line["mode"] = "rate";
  line["rate"] = rate;
  line["baseline_healthz_ms"] = baseline;
  std::cout << line.dump() << std::endl;

  if (burst > 0) {
    std::vector<Delivery> all = BuildDeliveries(run + "-b", first_id + rate * seconds, burst);
    auto t0 = Clock::now();
    Send(all, url, connections, false);
    double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    Json b = Report(all, erp, dsn, run + "-b", elapsed);
    b["bench"] = "ingest";
    b["mode"] = "burst";
    b["connections"] = connections;
    b["baseline_healthz_ms"] = baseline;
    std::cout << b.dump() << std::endl;
  }
  serve.Stop();
  erp_server.Stop();
  return 0;
}

}  // namespace o2c
