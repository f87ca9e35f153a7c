// Conversions between TimePoint and the forms the database and the JSON documents use.
#pragma once

#include <cstdint>
#include <string>

#include "engine/clock.h"

namespace o2c {

// "2026-11-22T17:31:04.123456Z" (UTC, microseconds): what Postgres parses as timestamptz.
std::string FormatTimestamp(TimePoint t);

// Microseconds since the Unix epoch, the exact form timestamps are read back from Postgres in.
std::int64_t ToMicros(TimePoint t);
TimePoint FromMicros(std::int64_t micros);

}  // namespace o2c
