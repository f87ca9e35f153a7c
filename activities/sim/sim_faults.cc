#include "activities/sim/sim_faults.h"

#include <cmath>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

namespace o2c::sim {

using Json = nlohmann::json;

bool FaultRule::Matches(const std::string& method, const std::string& path) const {
  if (match == "*") return true;
  size_t space = match.find(' ');
  std::string want_method = match.substr(0, space);
  std::string prefix = match.substr(space + 1);
  if (want_method != "*" && want_method != method) return false;
  return path.compare(0, prefix.size(), prefix) == 0;
}

namespace {

double Rate(const Json& rule, const char* name) {
  if (!rule.contains(name)) return 0;
  if (!rule[name].is_number()) throw std::invalid_argument(std::string(name) + " must be a number");
  double value = rule[name].get<double>();
  if (value < 0 || value > 1) throw std::invalid_argument(std::string(name) + " must be in [0, 1]");
  return value;
}

double NonNegative(const Json& object, const char* name, double fallback) {
  if (!object.contains(name)) return fallback;
  if (!object[name].is_number() || object[name].get<double>() < 0)
    throw std::invalid_argument(std::string(name) + " must be a non-negative number");
  return object[name].get<double>();
}

FaultRule ParseRule(const Json& json) {
  static const std::set<std::string> kFields = {"match",      "error_rate",   "error_status",
                                                "latency_ms", "timeout_rate", "ambiguous_rate",
                                                "outage",     "rate_limit",   "reject_rate"};
  if (!json.is_object()) throw std::invalid_argument("each rule must be an object");
  for (const auto& [key, value] : json.items())
    if (!kFields.count(key)) throw std::invalid_argument("unknown rule field '" + key + "'");
  FaultRule rule;
  if (json.contains("match")) {
    if (!json["match"].is_string()) throw std::invalid_argument("match must be a string");
    rule.match = json["match"].get<std::string>();
  }
  if (rule.match != "*") {
    size_t space = rule.match.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 >= rule.match.size() ||
        rule.match[space + 1] != '/')
      throw std::invalid_argument("match must be \"*\" or \"METHOD /path-prefix\", got '" +
                                  rule.match + "'");
  }
  rule.error_rate = Rate(json, "error_rate");
  if (json.contains("error_status")) {
    if (!json["error_status"].is_number_integer())
      throw std::invalid_argument("error_status must be an integer");
    rule.error_status = json["error_status"].get<int>();
    if (rule.error_status < 400 || rule.error_status > 599)
      throw std::invalid_argument("error_status must be in 400..599");
  }
  if (json.contains("latency_ms")) {
    const Json& l = json["latency_ms"];
    if (!l.is_array() || l.size() != 2 || !l[0].is_number_integer() || !l[1].is_number_integer() ||
        l[0].get<int>() < 0 || l[0].get<int>() > l[1].get<int>())
      throw std::invalid_argument("latency_ms must be [min, max] with 0 <= min <= max");
    rule.latency_min_ms = l[0].get<int>();
    rule.latency_max_ms = l[1].get<int>();
  }
  rule.timeout_rate = Rate(json, "timeout_rate");
  rule.ambiguous_rate = Rate(json, "ambiguous_rate");
  rule.reject_rate = Rate(json, "reject_rate");
  if (json.contains("outage") && !json["outage"].is_null()) {
    const Json& o = json["outage"];
    if (!o.is_object()) throw std::invalid_argument("outage must be an object");
    rule.outage = Outage{NonNegative(o, "start_in_s", 0), NonNegative(o, "duration_s", 0)};
  }
  if (json.contains("rate_limit") && !json["rate_limit"].is_null()) {
    const Json& r = json["rate_limit"];
    if (!r.is_object()) throw std::invalid_argument("rate_limit must be an object");
    double per_s = NonNegative(r, "per_s", 0);
    if (per_s < 0.001 || per_s > 1e6) throw std::invalid_argument("rate_limit.per_s out of range");
    rule.rate_limit = RateLimit{per_s, NonNegative(r, "retry_after_s", 1)};
  }
  return rule;
}

}  // namespace

std::vector<FaultRule> ParseFaultRules(const Json& json) {
  if (!json.is_object() || !json.contains("rules") || !json["rules"].is_array())
    throw std::invalid_argument("faults must be {\"rules\": [...]}");
  std::vector<FaultRule> rules;
  for (const Json& rule : json["rules"]) rules.push_back(ParseRule(rule));
  return rules;
}

namespace {

std::string Trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

double Number(const std::string& text, const std::string& what) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  // Why isfinite: stod accepts "nan" and "inf", which no range check below would catch.
  if (text.empty() || used != text.size() || !std::isfinite(value))
    throw std::invalid_argument(what + " must be a number, got '" + text + "'");
  return value;
}

// "A<sep>B" -> {A, B}; B is optional when `second_optional`.
std::pair<double, std::optional<double>> Pair(const std::string& text, char sep,
                                              const std::string& what, bool second_optional) {
  const size_t at = text.find(sep);
  if (at == std::string::npos) {
    if (!second_optional)
      throw std::invalid_argument(what + " must be A" + std::string(1, sep) + "B, got '" + text +
                                  "'");
    return {Number(text, what), std::nullopt};
  }
  return {Number(text.substr(0, at), what), Number(text.substr(at + 1), what)};
}

}  // namespace

Json FaultSpecToJson(const std::string& spec) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = spec.find(';', start);
    parts.push_back(Trimmed(spec.substr(start, end == std::string::npos ? end : end - start)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  Json rule = {{"match", parts[0]}};
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;  // a trailing ';'
    const size_t eq = parts[i].find('=');
    if (eq == std::string::npos)
      throw std::invalid_argument("fault part '" + parts[i] + "' is not key=value");
    const std::string key = Trimmed(parts[i].substr(0, eq));
    const std::string value = Trimmed(parts[i].substr(eq + 1));
    if (key == "error_rate" || key == "ambiguous_rate" || key == "reject_rate" ||
        key == "timeout_rate") {
      rule[key] = Number(value, key);
    } else if (key == "error_status") {
      const double status = Number(value, key);
      if (status != static_cast<int>(status))
        throw std::invalid_argument("error_status must be an integer");
      rule[key] = static_cast<int>(status);
    } else if (key == "outage") {
      auto [begin, duration] = Pair(value, '+', key, false);
      rule[key] = {{"start_in_s", begin}, {"duration_s", *duration}};
    } else if (key == "rate_limit") {
      auto [per_s, retry_after] = Pair(value, '/', key, true);
      rule[key] = {{"per_s", per_s}};
      if (retry_after) rule[key]["retry_after_s"] = *retry_after;
    } else if (key == "latency_ms") {
      auto [low, high] = Pair(value, '-', key, true);
      const double max = high.value_or(low);
      if (low != static_cast<int>(low) || max != static_cast<int>(max))
        throw std::invalid_argument("latency_ms must be whole milliseconds");
      rule[key] = {static_cast<int>(low), static_cast<int>(max)};
    } else {
      throw std::invalid_argument("unknown fault key '" + key + "'");
    }
  }
  ParseFaultRules({{"rules", {rule}}});  // the JSON form's checks, with its messages
  return rule;
}

Json FaultRulesToJson(const std::vector<FaultRule>& rules) {
  Json out = Json::array();
  for (const FaultRule& r : rules) {
    Json j = {{"match", r.match},
              {"error_rate", r.error_rate},
              {"error_status", r.error_status},
              {"latency_ms", {r.latency_min_ms, r.latency_max_ms}},
              {"timeout_rate", r.timeout_rate},
              {"ambiguous_rate", r.ambiguous_rate},
              {"reject_rate", r.reject_rate}};
    if (r.outage)
      j["outage"] = {{"start_in_s", r.outage->start_in_s}, {"duration_s", r.outage->duration_s}};
    if (r.rate_limit)
      j["rate_limit"] = {{"per_s", r.rate_limit->per_s},
                         {"retry_after_s", r.rate_limit->retry_after_s}};
    out.push_back(std::move(j));
  }
  return {{"rules", out}};
}

}  // namespace o2c::sim
