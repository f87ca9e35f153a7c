#include "activities/policy/policy_config.h"

#include <cstdint>
#include <sstream>
#include <stdexcept>

namespace o2c::policy {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

constexpr std::int64_t kMaxMs = 7LL * 24 * 3600 * 1000;
constexpr std::int64_t kMaxCount = 1'000'000;

std::invalid_argument Bad(const std::string& path, const std::string& what, const Json& got) {
  return std::invalid_argument("policy config: " + path + " " + what + ", got " + got.dump());
}

std::int64_t Integer(const Json& v, const std::string& path, std::int64_t min, std::int64_t max) {
  const std::string range =
      "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (!v.is_number_integer()) throw Bad(path, range, v);
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max) || static_cast<std::int64_t>(u) < min) {
      throw Bad(path, range, v);
    }
    return static_cast<std::int64_t>(u);
  }
  auto i = v.get<std::int64_t>();
  if (i < min || i > max) throw Bad(path, range, v);
  return i;
}

int Count(const Json& v, const std::string& path, int min) {
  return static_cast<int>(Integer(v, path, min, kMaxCount));
}

milliseconds Ms(const Json& v, const std::string& path, std::int64_t min) {
  return milliseconds(Integer(v, path, min, kMaxMs));
}

double Number(const Json& v, const std::string& path, double min, double max) {
  if (!v.is_number() || v.get<double>() < min || v.get<double>() > max) {
    std::ostringstream range;
    range << "must be a number between " << min << " and " << max;
    throw Bad(path, range.str(), v);
  }
  return v.get<double>();
}

const Json& Object(const Json& v, const std::string& path) {
  if (!v.is_object()) throw Bad(path, "must be a JSON object", v);
  return v;
}

std::invalid_argument Unknown(const std::string& path, const std::string& key,
                              const char* expected) {
  return std::invalid_argument("policy config: unknown key " + path + "." + key +
                               " (expected one of: " + expected + ")");
}

BreakerConfig ParseBreaker(const Json& j, const std::string& path, BreakerConfig b) {
  for (const auto& [key, v] : Object(j, path).items()) {
    const std::string at = path + "." + key;
    if (key == "enabled") {
      if (!v.is_boolean()) throw Bad(at, "must be true or false", v);
      b.enabled = v.get<bool>();
    } else if (key == "failures") {
      b.failures = Count(v, at, 1);
    } else if (key == "open_for_ms") {
      b.open_for = Ms(v, at, 1);
    } else if (key == "half_open_probes") {
      b.half_open_probes = Count(v, at, 1);
    } else if (key == "probe_wait_ms") {
      b.probe_wait = Ms(v, at, 1);
    } else if (key == "failure_ratio") {
      b.failure_ratio = Number(v, at, 0, 1);
    } else if (key == "window_ms") {
      b.window = Ms(v, at, 1);
    } else if (key == "min_calls") {
      b.min_calls = Count(v, at, 1);
    } else {
      throw Unknown(path, key,
                    "enabled, failures, open_for_ms, half_open_probes, probe_wait_ms, "
                    "failure_ratio, window_ms, min_calls");
    }
  }
  return b;
}

DownstreamPolicy ParseDownstream(const Json& j, const std::string& path, DownstreamPolicy d) {
  for (const auto& [key, v] : Object(j, path).items()) {
    const std::string at = path + "." + key;
    if (key == "rate_limit_per_s") {
      d.rate_limit_per_s =
          v.is_null() ? std::nullopt : std::optional<double>(Number(v, at, 0.001, 1e9));
    } else if (key == "burst") {
      d.burst = Count(v, at, 1);
    } else if (key == "concurrency") {
      d.concurrency = v.is_null() ? std::nullopt : std::optional<int>(Count(v, at, 1));
    } else if (key == "timeout_ms") {
      d.timeout = Ms(v, at, 1);
    } else if (key == "breaker") {
      d.breaker = ParseBreaker(v, at, d.breaker);
    } else {
      throw Unknown(path, key, "rate_limit_per_s, burst, concurrency, timeout_ms, breaker");
    }
  }
  return d;
}

template <typename Entry>
Entry ParseActivity(const Json& j, const std::string& path, Entry a) {
  for (const auto& [key, v] : Object(j, path).items()) {
    const std::string at = path + "." + key;
    if (key == "max_attempts") {
      a.backoff.max_attempts = Count(v, at, 1);
    } else if (key == "backoff_base_ms") {
      a.backoff.base = Ms(v, at, 0);
    } else if (key == "backoff_cap_ms") {
      a.backoff.cap = Ms(v, at, 0);
    } else if (key == "timeout_ms") {
      a.timeout = Ms(v, at, 1);
    } else {
      throw Unknown(path, key, "max_attempts, backoff_base_ms, backoff_cap_ms, timeout_ms");
    }
  }
  // Checked on the merged entry: a cap from "*" must still cover this activity's base.
  if (a.backoff.cap < a.backoff.base) {
    throw std::invalid_argument(
        "policy config: " + path + ".backoff_cap_ms (" + std::to_string(a.backoff.cap.count()) +
        ") must be >= backoff_base_ms (" + std::to_string(a.backoff.base.count()) + ")");
  }
  return a;
}

}  // namespace

std::string PolicyConfig::DownstreamOf(std::string_view activity) {
  return std::string(activity.substr(0, activity.find('.')));
}

PolicyConfig PolicyConfig::FromJson(const Json& root) {
  if (!root.is_object()) throw Bad("(root)", "must be a JSON object", root);
  PolicyConfig config;
  if (auto it = root.find("downstreams"); it != root.end()) {
    const Json& all = Object(*it, "downstreams");
    // "*" first: the named entries are layered on top of it.
    if (auto star = all.find("*"); star != all.end()) {
      config.default_downstream_ =
          ParseDownstream(*star, "downstreams.*", config.default_downstream_);
    }
    for (const auto& [name, j] : all.items()) {
      if (name == "*") continue;
      if (name.empty() || name.find('.') != std::string::npos) {
        throw Bad("downstreams." + name, "must be a downstream name without dots (\"erp\")", j);
      }
      config.downstreams_[name] =
          ParseDownstream(j, "downstreams." + name, config.default_downstream_);
    }
  }
  if (auto it = root.find("activities"); it != root.end()) {
    const Json& all = Object(*it, "activities");
    if (auto star = all.find("*"); star != all.end()) {
      config.default_activity_ = ParseActivity(*star, "activities.*", config.default_activity_);
    }
    for (const auto& [name, j] : all.items()) {
      if (name == "*") continue;
      auto dot = name.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == name.size()) {
        throw Bad("activities." + name,
                  "must be named <downstream>.<action> (\"erp.create_sales_order\")", j);
      }
      config.activities_[name] = ParseActivity(j, "activities." + name, config.default_activity_);
    }
  }
  return config;
}

DownstreamPolicy PolicyConfig::ForDownstream(std::string_view downstream) const {
  auto it = downstreams_.find(downstream);
  return it == downstreams_.end() ? default_downstream_ : it->second;
}

ActivityPolicy PolicyConfig::ForActivity(std::string_view activity) const {
  auto it = activities_.find(activity);
  const ActivityEntry& entry = it == activities_.end() ? default_activity_ : it->second;
  ActivityPolicy p;
  p.backoff = entry.backoff;
  p.timeout = entry.timeout ? *entry.timeout : ForDownstream(DownstreamOf(activity)).timeout;
  return p;
}

}  // namespace o2c::policy
