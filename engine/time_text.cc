#include "engine/time_text.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace o2c {

std::int64_t ToMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint FromMicros(std::int64_t micros) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(micros)));
}

std::string FormatTimestamp(TimePoint t) {
  std::int64_t micros = ToMicros(t);
  // Why floor division: times before 1970 must not round toward zero into the wrong second.
  std::int64_t seconds = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  std::int64_t fraction = micros - seconds * 1000000;
  std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                fraction);
  return buffer;
}

}  // namespace o2c
