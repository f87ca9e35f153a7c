#include "engine/metrics/engine_metrics.h"

#include <chrono>
#include <pqxx/pqxx>

namespace o2c::metrics {

MeteredExecutor::MeteredExecutor(std::unique_ptr<activities::ActivityExecutor> inner,
                                 Registry& registry)
    : inner_(std::move(inner)),
      calls_(registry.AddCounter("o2c_activity_calls_total", "Activity calls by outcome",
                                 {"activity", "outcome"})),
      seconds_(registry.AddHistogram("o2c_activity_call_seconds",
                                     "Duration of activity calls by downstream", {"downstream"},
                                     LatencyBuckets())) {}

activities::Outcome MeteredExecutor::Execute(const activities::ActivityCall& call) {
  auto start = std::chrono::steady_clock::now();
  activities::Outcome outcome = inner_->Execute(call);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string outcome_name = "succeeded";
  if (std::holds_alternative<activities::RetryAfter>(outcome)) outcome_name = "retry";
  if (auto* p = std::get_if<activities::Permanent>(&outcome))
    outcome_name = p->error_class == "conflict" ? "conflict" : "permanent";
  calls_.Inc({call.activity, outcome_name});
  seconds_.Observe({call.activity.substr(0, call.activity.find('.'))}, seconds);
  return outcome;
}

StepMetrics::StepMetrics(Registry& registry)
    : steps_(
          registry.AddCounter("o2c_steps_total", "Committed workflow steps by event", {"event"})) {}

void StepMetrics::Count(const std::string& event) { steps_.Inc({event}); }

HttpMetrics::HttpMetrics(Registry& registry)
    : requests_(registry.AddCounter("o2c_http_requests_total",
                                    "Served HTTP requests by route and status",
                                    {"route", "status"})),
      latency_(registry.AddHistogram("o2c_http_request_seconds",
                                     "Time to answer HTTP requests by route", {"route"},
                                     LatencyBuckets())) {}

void HttpMetrics::Count(const std::string& route, int status, double seconds) {
  requests_.Inc({route, std::to_string(status)});
  latency_.Observe({route}, seconds);
}

void InstallDatabaseGauges(Registry& registry, const std::string& dsn) {
  Gauge& workflows =
      registry.AddGauge("o2c_workflows", "Workflows by type and status", {"type", "status"});
  Gauge& tasks = registry.AddGauge("o2c_tasks", "Activity tasks by status", {"status"});
  Counter& errors =
      registry.AddCounter("o2c_metrics_scrape_errors_total", "Failed database reads on scrape");
  struct State {
    std::mutex mu;
    std::unique_ptr<pqxx::connection> connection;
  };
  auto state = std::make_shared<State>();
  registry.OnScrape([=, &workflows, &tasks, &errors] {
    std::lock_guard lock(state->mu);
    try {
      if (!state->connection) state->connection = std::make_unique<pqxx::connection>(dsn);
      pqxx::nontransaction tx(*state->connection);
      std::map<LabelValues, double> w, t;
      for (const auto& r : tx.exec("SELECT type, status, count(*) FROM workflows GROUP BY 1, 2"))
        w[{r[0].c_str(), r[1].c_str()}] = r[2].as<double>();
      for (const auto& r : tx.exec("SELECT status, count(*) FROM tasks GROUP BY 1"))
        t[{r[0].c_str()}] = r[1].as<double>();
      workflows.Replace(std::move(w));
      tasks.Replace(std::move(t));
    } catch (const std::exception&) {
      errors.Inc();
      state->connection.reset();  // reconnect on the next scrape
    }
  });
}

}  // namespace o2c::metrics
