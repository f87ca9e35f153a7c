// What o2c measures (GET /metrics), on top of metrics.h:
//   o2c_activity_calls_total{activity,outcome}      outcome: succeeded|retry|permanent|conflict
//   o2c_activity_call_seconds{downstream}           histogram of call durations
//   o2c_steps_total{event}                          committed workflow steps
//   o2c_http_requests_total{route,status}           served HTTP requests (webhooks, api, ...)
//   o2c_http_request_seconds{route}                 histogram
//   o2c_workflows{type,status}, o2c_tasks{status}   gauges read from the database on scrape
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "activities/activity.h"
#include "engine/http/http_message.h"
#include "engine/metrics/metrics.h"

namespace o2c::metrics {

// Wraps (and owns) an executor: counts every call by activity and outcome and times it by
// downstream.
class MeteredExecutor : public activities::ActivityExecutor {
 public:
  MeteredExecutor(std::unique_ptr<activities::ActivityExecutor> inner, Registry& registry);
  activities::Outcome Execute(const activities::ActivityCall& call) override;

 private:
  std::unique_ptr<activities::ActivityExecutor> inner_;
  Counter& calls_;
  Histogram& seconds_;
};

// Counts committed steps by event (the runtime's on_committed observer). Built once: the family
// is looked up in the registry here, so a step costs one counter update.
class StepMetrics {
 public:
  explicit StepMetrics(Registry& registry);
  void Count(const std::string& event);

 private:
  Counter& steps_;
};

// Counts and times served requests. `route` is the route family, not the raw path, so the label
// set stays small ("/webhooks/shopify", "/api", "other"). Built once, like StepMetrics.
class HttpMetrics {
 public:
  explicit HttpMetrics(Registry& registry);
  void Count(const std::string& route, int status, double seconds);

 private:
  Counter& requests_;
  Histogram& latency_;
};

// Refreshes the workflow and task gauges from the database on every scrape (one query each,
// on a connection of its own). A database error leaves the last values and counts
// o2c_metrics_scrape_errors_total.
void InstallDatabaseGauges(Registry& registry, const std::string& dsn);

}  // namespace o2c::metrics
