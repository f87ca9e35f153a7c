#include "engine/cli_args.h"

#include <cstdlib>

namespace o2c {

CliArgs::CliArgs(const std::vector<std::string>& args, const std::set<std::string>& value_flags,
                 const std::set<std::string>& boolean_flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (boolean_flags.count(name)) {
      if (inline_value) throw UsageError("--" + name + " takes no value");
      values_[name] = "true";
    } else if (value_flags.count(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
        value = args[++i];
      }
      values_[name] = value;
    } else {
      throw UsageError("unknown option --" + name);
    }
  }
}

std::optional<std::string> CliArgs::Get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string CliArgs::GetOr(const std::string& flag, const std::string& fallback) const {
  return Get(flag).value_or(fallback);
}

int CliArgs::GetInt(const std::string& flag, int fallback) const {
  auto v = Get(flag);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    int n = std::stoi(*v, &used);
    if (used != v->size()) throw std::invalid_argument(*v);
    return n;
  } catch (const std::exception&) {
    throw UsageError("--" + flag + " must be a whole number, not '" + *v + "'");
  }
}

std::vector<int> CliArgs::GetIntList(const std::string& flag, std::vector<int> fallback) const {
  auto v = Get(flag);
  if (!v) return fallback;
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= v->size()) {
    std::size_t comma = v->find(',', start);
    std::string part =
        v->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      std::size_t used = 0;
      int n = std::stoi(part, &used);
      if (used != part.size() || n <= 0) throw std::invalid_argument(part);
      out.push_back(n);
    } catch (const std::exception&) {
      throw UsageError("--" + flag + " must be a comma-separated list of positive numbers, not '" +
                       *v + "'");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string DatabaseUrl(const CliArgs& args) {
  if (auto flag = args.Get("database-url")) return *flag;
  if (const char* env = std::getenv("O2C_DATABASE_URL"); env && *env) return env;
  throw UsageError(
      "no database: set O2C_DATABASE_URL (a libpq connection string) or pass --database-url; "
      "for a private one run `ops/pg start` and use `ops/pg url`");
}

}  // namespace o2c
