#include "engine/metrics/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace o2c::metrics {
namespace {

bool ValidName(const std::string& name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // The shortest of 15..17 significant digits that reads back as the same double: 0.1, not
  // 0.10000000000000001.
  char buf[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace

Family::Family(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {
  if (!ValidName(name_, true)) throw std::invalid_argument("invalid metric name '" + name_ + "'");
  for (const std::string& l : label_names_)
    if (!ValidName(l, false) || l.rfind("__", 0) == 0 || l == "le")
      throw std::invalid_argument("invalid label name '" + l + "' on " + name_);
}

void Family::CheckArity(const LabelValues& values) const {
  if (values.size() != label_names_.size())
    throw std::invalid_argument(name_ + " takes " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(values.size()));
}

void Family::Header(std::string& out, const char* type) const {
  out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  out += "# TYPE " + name_ + " " + type + "\n";
}

std::string Family::Series(const std::string& name, const LabelValues& values,
                           const std::string& extra_label, const std::string& extra_value) const {
  std::string out = name;
  if (values.empty() && extra_label.empty()) return out;
  out += "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    out += label_names_[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_label.empty())
    out += (values.empty() ? "" : ",") + extra_label + "=\"" + extra_value + "\"";
  return out + "}";
}

void Counter::Inc(const LabelValues& values, double by) {
  CheckArity(values);
  if (!(by >= 0)) return;  // why: a counter never goes down (NaN is refused too)
  std::lock_guard lock(mu_);
  values_[values] += by;
}

double Counter::Value(const LabelValues& values) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(values);
  return it == values_.end() ? 0 : it->second;
}

void Counter::Render(std::string& out) const {
  Header(out, "counter");
  std::lock_guard lock(mu_);
  for (const auto& [labels, v] : values_)
    out += Series(name_, labels) + " " + FormatValue(v) + "\n";
}

void Gauge::Set(const LabelValues& values, double value) {
  CheckArity(values);
  std::lock_guard lock(mu_);
  values_[values] = value;
}

void Gauge::Add(const LabelValues& values, double by) {
  CheckArity(values);
  std::lock_guard lock(mu_);
  values_[values] += by;
}

void Gauge::Replace(std::map<LabelValues, double> all) {
  for (const auto& [labels, v] : all) CheckArity(labels);
  std::lock_guard lock(mu_);
  values_ = std::move(all);
}

double Gauge::Value(const LabelValues& values) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(values);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::Render(std::string& out) const {
  Header(out, "gauge");
  std::lock_guard lock(mu_);
  for (const auto& [labels, v] : values_)
    out += Series(name_, labels) + " " + FormatValue(v) + "\n";
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bounds)
    : Family(std::move(name), std::move(help), std::move(label_names)), bounds_(std::move(bounds)) {
  for (size_t i = 1; i < bounds_.size(); ++i)
    if (!(bounds_[i - 1] < bounds_[i]))
      throw std::invalid_argument(name_ + ": bucket bounds must be strictly ascending");
}

void Histogram::Observe(const LabelValues& values, double value) {
  CheckArity(values);
  std::lock_guard lock(mu_);
  Buckets& s = series_[values];
  if (s.counts.empty()) s.counts.assign(bounds_.size() + 1, 0);
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  ++s.counts[bucket];
  s.sum += value;
  ++s.count;
}

void Histogram::Render(std::string& out) const {
  Header(out, "histogram");
  std::lock_guard lock(mu_);
  for (const auto& [labels, s] : series_) {
    std::uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.counts[i];
      std::string le = i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf";
      out += Series(name_ + "_bucket", labels, "le", le) + " " + std::to_string(cumulative) + "\n";
    }
    out += Series(name_ + "_sum", labels) + " " + FormatValue(s.sum) + "\n";
    out += Series(name_ + "_count", labels) + " " + std::to_string(s.count) + "\n";
  }
}

Registry& Registry::Default() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

template <typename T, typename... Args>
T& Registry::Add(const std::string& name, Args&&... args) {
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->name() != name) continue;
    if (auto* same = dynamic_cast<T*>(f.get())) return *same;
    throw std::invalid_argument("metric " + name + " already exists with another type");
  }
  families_.push_back(std::make_unique<T>(name, std::forward<Args>(args)...));
  return static_cast<T&>(*families_.back());
}

Counter& Registry::AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names) {
  return Add<Counter>(name, help, std::move(label_names));
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names) {
  return Add<Gauge>(name, help, std::move(label_names));
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bounds) {
  return Add<Histogram>(name, help, std::move(label_names), std::move(bounds));
}

void Registry::OnScrape(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  hooks_.push_back(std::move(hook));
}

std::string Registry::Render() const {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mu_);
    hooks = hooks_;
  }
  for (auto& hook : hooks) hook();  // unlocked: a hook updates gauges of this registry
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Render(out);
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace o2c::metrics
