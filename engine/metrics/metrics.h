// Metrics in the Prometheus text exposition format (version 0.0.4), served at GET /metrics.
// prometheus-cpp is not packaged for Debian 12, so this is our own small module: counter, gauge
// and histogram families with labels, thread-safe, rendered on scrape.
//
// Rules kept (and tested): one `# HELP` and one `# TYPE` line per family, then its samples;
// metric and label names match [a-zA-Z_:][a-zA-Z0-9_:]* / [a-zA-Z_][a-zA-Z0-9_]* (checked when a
// family is created: a bad name is a programming error, std::invalid_argument); label values
// escape backslash, double quote and newline; histogram buckets are cumulative, end with
// le="+Inf", and come with _sum and _count; counters only go up.
//
// Usage:
//   Registry& r = Registry::Default();
//   Counter& c = r.AddCounter("o2c_webhooks_total", "Webhook deliveries by source and verdict",
//                             {"source", "verdict"});
//   c.Inc({"shopify", "accepted"});
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace o2c::metrics {

using LabelValues = std::vector<std::string>;

class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~Family() = default;
  // Appends this family's HELP, TYPE and samples.
  virtual void Render(std::string& out) const = 0;
  const std::string& name() const { return name_; }

 protected:
  // `name{l1="v1",l2="v2"}` (extra label appended when given, e.g. le).
  std::string Series(const std::string& name, const LabelValues& values,
                     const std::string& extra_label = "",
                     const std::string& extra_value = "") const;
  void CheckArity(const LabelValues& values) const;  // throws std::invalid_argument
  void Header(std::string& out, const char* type) const;

  std::string name_, help_;
  std::vector<std::string> label_names_;
};

class Counter : public Family {
 public:
  using Family::Family;
  void Inc(const LabelValues& values = {}, double by = 1);  // by < 0 is ignored
  double Value(const LabelValues& values = {}) const;
  void Render(std::string& out) const override;

 private:
  mutable std::mutex mu_;
  std::map<LabelValues, double> values_;
};

class Gauge : public Family {
 public:
  using Family::Family;
  void Set(const LabelValues& values, double value);
  void Add(const LabelValues& values, double by);
  // Replaces every series at once (e.g. workflows by status, read from the database on scrape).
  void Replace(std::map<LabelValues, double> all);
  double Value(const LabelValues& values = {}) const;
  void Render(std::string& out) const override;

 private:
  mutable std::mutex mu_;
  std::map<LabelValues, double> values_;
};

class Histogram : public Family {
 public:
  // `bounds`: the upper bounds of the buckets, ascending (le="+Inf" is added).
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> bounds);
  void Observe(const LabelValues& values, double value);
  void Render(std::string& out) const override;

 private:
  struct Buckets {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<LabelValues, Buckets> series_;
};

class Registry {
 public:
  // The process-wide registry that GET /metrics renders.
  static Registry& Default();

  // Adding a family twice under one name returns the first (so call sites may add lazily); a
  // different kind under an existing name throws std::invalid_argument.
  Counter& AddCounter(const std::string& name, const std::string& help,
                      std::vector<std::string> label_names = {});
  Gauge& AddGauge(const std::string& name, const std::string& help,
                  std::vector<std::string> label_names = {});
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names, std::vector<double> bounds);
  // Runs before every Render (e.g. to refresh gauges from the database).
  void OnScrape(std::function<void()> hook);

  std::string Render() const;

 private:
  template <typename T, typename... Args>
  T& Add(const std::string& name, Args&&... args);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> hooks_;
};

// Bucket bounds for latencies in seconds: 1 ms .. 10 s.
std::vector<double> LatencyBuckets();

}  // namespace o2c::metrics
