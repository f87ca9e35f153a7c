#include "workflows/model/money.h"

#include <array>
#include <limits>

namespace o2c::workflows::model {

namespace {

// ISO 4217 currencies whose minor unit is not 2 (list 1, 2024).
constexpr std::array<std::string_view, 17> kZeroDecimal = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                                           "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                                           "VND", "VUV", "XAF", "XOF", "XPF"};
constexpr std::array<std::string_view, 7> kThreeDecimal = {"BHD", "IQD", "JOD", "KWD",
                                                           "LYD", "OMR", "TND"};
constexpr std::array<std::string_view, 2> kFourDecimal = {"CLF", "UYW"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view code) {
  for (auto c : list) {
    if (c == code) return true;
  }
  return false;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

int CurrencyExponent(std::string_view currency) {
  if (currency.size() != 3) return -1;
  for (char c : currency) {
    if (c < 'A' || c > 'Z') return -1;
  }
  if (Contains(kZeroDecimal, currency)) return 0;
  if (Contains(kThreeDecimal, currency)) return 3;
  if (Contains(kFourDecimal, currency)) return 4;
  return 2;
}

Expected<Money> ParseMoney(std::string_view text, std::string_view currency) {
  const int exponent = CurrencyExponent(currency);
  if (exponent < 0) return MappingError{"", "invalid currency code"};
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  const std::size_t int_start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  const std::string_view int_part = text.substr(int_start, i - int_start);
  std::string_view frac_part;
  if (i < text.size() && text[i] == '.') {
    const std::size_t frac_start = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    frac_part = text.substr(frac_start, i - frac_start);
    if (frac_part.empty()) return MappingError{"", "must be a decimal amount like \"199.00\""};
  }
  if (i != text.size() || int_part.empty()) {
    return MappingError{"", "must be a decimal amount like \"199.00\""};
  }
  // Why allow extra digits only when they are zeros: "1000.00" JPY is exact; "0.005" USD is not.
  for (std::size_t k = static_cast<std::size_t>(exponent); k < frac_part.size(); ++k) {
    if (frac_part[k] != '0') {
      return MappingError{"", "has more decimals than " + std::string(currency) + " allows"};
    }
  }
  // Accumulate as a negative number so INT64_MIN round-trips without overflow.
  std::int64_t value = 0;
  auto push = [&value](char c) {
    return !__builtin_mul_overflow(value, 10, &value) &&
           !__builtin_sub_overflow(value, static_cast<std::int64_t>(c - '0'), &value);
  };
  for (char c : int_part) {
    if (!push(c)) return MappingError{"", "amount out of range"};
  }
  for (int k = 0; k < exponent; ++k) {
    const char c = static_cast<std::size_t>(k) < frac_part.size() ? frac_part[k] : '0';
    if (!push(c)) return MappingError{"", "amount out of range"};
  }
  if (!negative) {
    if (value == std::numeric_limits<std::int64_t>::min()) {
      return MappingError{"", "amount out of range"};
    }
    value = -value;
  }
  return Money{value, std::string(currency)};
}

std::string FormatDecimal(const Money& money) {
  const int exponent = CurrencyExponent(money.currency) < 0 ? 2 : CurrencyExponent(money.currency);
  // Why unsigned: |INT64_MIN| does not fit in int64.
  const bool negative = money.amount_minor < 0;
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(money.amount_minor)
                                     : static_cast<std::uint64_t>(money.amount_minor);
  const std::size_t e = static_cast<std::size_t>(exponent);
  std::string digits = std::to_string(magnitude);
  // Why appends only: GCC 12 reports false -Wrestrict warnings on std::string insert/operator+.
  std::string padded(digits.size() <= e ? e + 1 - digits.size() : 0, '0');
  padded.append(digits);
  std::string out;
  if (negative) out.push_back('-');
  out.append(padded, 0, padded.size() - e);
  if (e > 0) {
    out.push_back('.');
    out.append(padded, padded.size() - e, e);
  }
  return out;
}

void to_json(nlohmann::json& j, const Money& m) {
  j = nlohmann::json{{"amount_minor", m.amount_minor}, {"currency", m.currency}};
}

void from_json(const nlohmann::json& j, Money& m) {
  j.at("amount_minor").get_to(m.amount_minor);
  j.at("currency").get_to(m.currency);
}

}  // namespace o2c::workflows::model
