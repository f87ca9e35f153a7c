#include "activities/policy/error_classifier.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace o2c::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

constexpr std::string_view kPossiblySucceededNote =
    "possibly succeeded: the document may exist; retrying with the same idempotency key";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    auto start = s.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    auto end = std::min(s.find(' '), s.size());
    out.push_back(s.substr(0, end));
    s.remove_prefix(end);
  }
  return out;
}

// Digits only, exactly `width` of them (0: any number, at least one). Saturates instead of
// overflowing: the callers range-check the value.
std::optional<std::int64_t> Digits(std::string_view s, std::size_t width = 0) {
  if (s.empty() || (width != 0 && s.size() != width)) return std::nullopt;
  std::int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = std::min<std::int64_t>(n * 10 + (c - '0'), 1'000'000'000'000);
  }
  return n;
}

std::optional<unsigned> Month(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (s == kMonths[i]) return i + 1;
  }
  return std::nullopt;
}

bool IsDayName(std::string_view s, bool long_form) {
  static constexpr std::array<std::string_view, 7> kShort = {"Mon", "Tue", "Wed", "Thu",
                                                             "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 7> kLong = {
      "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  const auto& names = long_form ? kLong : kShort;
  return std::find(names.begin(), names.end(), s) != names.end();
}

// "08:49:37" -> seconds since midnight.
std::optional<std::int64_t> TimeOfDay(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  auto h = Digits(s.substr(0, 2), 2), m = Digits(s.substr(3, 2), 2), sec = Digits(s.substr(6), 2);
  // Why 60 seconds is allowed: a leap second is a valid HTTP-date.
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

// Why seconds: system_clock counts nanoseconds in 64 bits, which ends in 2262; an HTTP-date may
// name any year up to 9999.
std::optional<std::chrono::sys_seconds> At(std::int64_t year, unsigned month, std::int64_t day,
                                           std::int64_t seconds_of_day) {
  if (year < 1 || year > 9999 || day < 1 || day > 31) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(year)),
                                  std::chrono::month(month),
                                  std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::seconds(seconds_of_day);
}

// RFC 9110 section 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
std::optional<std::chrono::sys_seconds> ParseHttpDate(std::string_view value,
                                                      system_clock::time_point now) {
  auto t = SplitSpaces(value);
  if (t.size() == 6 && t[0].size() == 4 && t[0].back() == ',' &&
      IsDayName(t[0].substr(0, 3), false) && t[5] == "GMT") {
    // Sun, 06 Nov 1994 08:49:37 GMT
    auto day = Digits(t[1], 2), year = Digits(t[3], 4);
    auto month = Month(t[2]);
    auto tod = TimeOfDay(t[4]);
    if (!day || !year || !month || !tod) return std::nullopt;
    return At(*year, *month, *day, *tod);
  }
  if (t.size() == 4 && t[0].size() > 1 && t[0].back() == ',' &&
      IsDayName(t[0].substr(0, t[0].size() - 1), true) && t[3] == "GMT") {
    // Sunday, 06-Nov-94 08:49:37 GMT
    std::string_view d = t[1];
    if (d.size() != 9 || d[2] != '-' || d[6] != '-') return std::nullopt;
    auto day = Digits(d.substr(0, 2), 2), yy = Digits(d.substr(7), 2);
    auto month = Month(d.substr(3, 3));
    auto tod = TimeOfDay(t[2]);
    if (!day || !yy || !month || !tod) return std::nullopt;
    // Why: RFC 9110 says a two-digit year more than 50 years in the future is in the past.
    int this_year = static_cast<int>(
        std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now)).year());
    std::int64_t year = 2000 + *yy;
    if (year > this_year + 50) year -= 100;
    return At(year, *month, *day, *tod);
  }
  if (t.size() == 5 && IsDayName(t[0], false)) {
    // Sun Nov  6 08:49:37 1994
    auto month = Month(t[1]);
    auto day = t[2].size() <= 2 ? Digits(t[2]) : std::nullopt;
    auto tod = TimeOfDay(t[3]);
    auto year = Digits(t[4], 4);
    if (!day || !year || !month || !tod) return std::nullopt;
    return At(*year, *month, *day, *tod);
  }
  return std::nullopt;
}

std::string Target(const CallResult& r) {
  std::string out;
  for (const std::string* part : {&r.downstream, &r.method, &r.path}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ' ';
    out += *part;
  }
  return out.empty() ? "the downstream" : out;
}

std::string FormatMs(milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + "s";
  return std::to_string(ms.count()) + "ms";
}

CallKind KindOfStatus(int status) {
  if (status >= 200 && status <= 299) return CallKind::kSuccess;
  if (status == 409) return CallKind::kConflict;
  if (status == 408 || status == 429) return CallKind::kTransient;
  if (status == 502 || status == 503 || status == 504) return CallKind::kTransient;
  // Why 3xx is permanent: the client does not follow redirects, so repeating gets the same
  // answer; it means a misconfigured base URL, which a person must fix.
  if (status >= 300 && status <= 499) return CallKind::kPermanent;
  // 500 and the other 5xx: the server took the request and failed somewhere inside, maybe after
  // writing the document. Also 1xx or nonsense codes: the request went out, the answer is unusable.
  return CallKind::kPossiblySucceeded;
}

bool Retryable(CallKind k) {
  return k == CallKind::kTransient || k == CallKind::kPossiblySucceeded;
}

Classification ClassifyTransport(const CallResult& r) {
  Classification c;
  const std::string target = Target(r);
  switch (r.transport) {
    case TransportError::kConnectRefused:
      c = {CallKind::kTransient, std::nullopt, "connection refused by " + target};
      break;
    case TransportError::kConnectTimeout:
      c = {CallKind::kTransient, std::nullopt, "connect timeout to " + target};
      break;
    case TransportError::kDns:
      c = {CallKind::kTransient, std::nullopt, "DNS lookup failed for " + target};
      break;
    case TransportError::kTls:
      c = {CallKind::kTransient, std::nullopt, "TLS handshake failed with " + target};
      break;
    case TransportError::kReadTimeoutAfterSend:
      return {CallKind::kPossiblySucceeded, std::nullopt,
              "read timeout after sending " + target + " (" + std::string(kPossiblySucceededNote) +
                  ")"};
    case TransportError::kResetAfterSend:
      return {CallKind::kPossiblySucceeded, std::nullopt,
              "connection reset after sending " + target + " (" +
                  std::string(kPossiblySucceededNote) + ")"};
    case TransportError::kNone:
      break;
  }
  c.reason += " (nothing was sent; will retry)";
  if (!r.detail.empty()) c.reason += ": " + r.detail;
  return c;
}

}  // namespace

std::string_view ToString(CallKind kind) {
  switch (kind) {
    case CallKind::kSuccess:
      return "success";
    case CallKind::kTransient:
      return "transient";
    case CallKind::kPermanent:
      return "permanent";
    case CallKind::kConflict:
      return "conflict";
    case CallKind::kPossiblySucceeded:
      return "possibly_succeeded";
  }
  return "unknown";
}

std::string_view ToString(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "none";
    case TransportError::kConnectRefused:
      return "connect_refused";
    case TransportError::kConnectTimeout:
      return "connect_timeout";
    case TransportError::kDns:
      return "dns";
    case TransportError::kTls:
      return "tls";
    case TransportError::kReadTimeoutAfterSend:
      return "read_timeout_after_send";
    case TransportError::kResetAfterSend:
      return "reset_after_send";
  }
  return "unknown";
}

std::string_view ReasonPhrase(int status) {
  static constexpr std::pair<int, std::string_view> kPhrases[] = {
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {410, "Gone"},
      {413, "Content Too Large"},
      {415, "Unsupported Media Type"},
      {422, "Unprocessable Content"},
      {429, "Too Many Requests"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
  };
  for (const auto& [code, phrase] : kPhrases) {
    if (code == status) return phrase;
  }
  return "";
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value, system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (auto seconds = Digits(value)) {
    return std::min<milliseconds>(
        std::chrono::seconds(std::min<std::int64_t>(*seconds, 1'000'000'000)), kMaxRetryAfter);
  }
  auto at = ParseHttpDate(value, now);
  if (!at) return std::nullopt;
  const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now);
  if (*at - now_seconds > kMaxRetryAfter) return kMaxRetryAfter;
  if (*at <= now_seconds) return milliseconds(0);
  // Within a day of now: safe to compare at full precision. Why ceil: waiting a fraction of a
  // millisecond too little would arrive before the date.
  const auto wait = system_clock::time_point(*at) - now;
  if (wait.count() <= 0) return milliseconds(0);
  return std::chrono::ceil<milliseconds>(wait);
}

Classification Classify(const CallResult& r, system_clock::time_point now) {
  if (r.transport != TransportError::kNone) return ClassifyTransport(r);
  if (!r.status) {
    return {CallKind::kPossiblySucceeded, std::nullopt,
            "no answer from " + Target(r) + " (" + std::string(kPossiblySucceededNote) + ")"};
  }
  const int status = *r.status;
  Classification c;
  c.kind = KindOfStatus(status);
  c.reason = std::to_string(status) + " from " + Target(r);
  std::string_view phrase = ReasonPhrase(status);
  if (!phrase.empty()) c.reason += ": " + std::string(phrase);
  if (!r.detail.empty()) c.reason += ": " + r.detail;
  if (!Retryable(c.kind)) return c;

  if (!r.retry_after.empty()) {
    c.retry_after = ParseRetryAfter(r.retry_after, now);
    if (c.retry_after) {
      c.reason += " (Retry-After " + FormatMs(*c.retry_after) + ")";
    } else {
      c.reason +=
          " (Retry-After '" + r.retry_after + "' ignored: neither seconds nor an HTTP-date)";
    }
  }
  if (c.kind == CallKind::kPossiblySucceeded) {
    c.reason += " (" + std::string(kPossiblySucceededNote) + ")";
  }
  return c;
}

activities::Outcome ToOutcome(const Classification& c, activities::Json result) {
  switch (c.kind) {
    case CallKind::kSuccess:
      return activities::Succeeded{std::move(result)};
    case CallKind::kPermanent:
      return activities::Permanent{c.reason, "permanent"};
    case CallKind::kConflict:
      return activities::Permanent{c.reason, "conflict"};
    case CallKind::kTransient:
    case CallKind::kPossiblySucceeded:
      break;
  }
  return activities::RetryAfter{c.retry_after.value_or(milliseconds(0)), c.reason,
                                std::string(ToString(c.kind))};
}

}  // namespace o2c::policy
