// A small command-line parser for `o2c <command> [positional...] [--flag value|--flag=value]`.
// Unknown flags are an error the user sees, never silently ignored.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace o2c {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CliArgs {
 public:
  // `boolean_flags` take no value (e.g. "status", "json"); every other flag takes one.
  CliArgs(const std::vector<std::string>& args, const std::set<std::string>& value_flags,
          const std::set<std::string>& boolean_flags);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> Get(const std::string& flag) const;
  std::string GetOr(const std::string& flag, const std::string& fallback) const;
  int GetInt(const std::string& flag, int fallback) const;
  // "1,8,32" -> {1, 8, 32}
  std::vector<int> GetIntList(const std::string& flag, std::vector<int> fallback) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

// The database to use: --database-url, else O2C_DATABASE_URL. Throws UsageError naming both.
std::string DatabaseUrl(const CliArgs& args);

}  // namespace o2c
