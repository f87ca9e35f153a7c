// Money as an exact integer count of minor units plus an ISO 4217 currency code. Never floating
// point: Shopify's decimal strings ("199.00") are parsed digit by digit.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "workflows/model/expected.h"

namespace o2c::workflows::model {

struct Money {
  std::int64_t amount_minor = 0;  // e.g. 19900 for USD 199.00, 1000 for JPY 1000
  std::string currency;           // ISO 4217, e.g. "USD"

  friend bool operator==(const Money&, const Money&) = default;
};

// Minor-unit exponent of an ISO 4217 code: 0 (JPY, KRW, ...), 3 (KWD, BHD, ...), 4 (CLF, UYW),
// else 2. Returns -1 when `currency` is not three upper-case letters.
int CurrencyExponent(std::string_view currency);

// Parses a decimal amount such as "199.00", "-5.5", "1000" in `currency`.
// On success the value is exact. Fails (MappingError with empty field) when the text is not a
// plain decimal ([-+]?digits[.digits]), has more significant fractional digits than the currency
// allows (trailing zeros are fine: "1000.00" JPY == 1000), overflows int64, or the currency code
// is invalid.
Expected<Money> ParseMoney(std::string_view decimal, std::string_view currency);

// "199.00", "-0.05", "1000" (JPY), "1.250" (KWD).
std::string FormatDecimal(const Money& money);

// {"amount_minor": 19900, "currency": "USD"}. from_json throws nlohmann exceptions on bad input
// (canonical JSON is ours; Shopify input goes through the mapping instead).
void to_json(nlohmann::json& j, const Money& m);
void from_json(const nlohmann::json& j, Money& m);

}  // namespace o2c::workflows::model
