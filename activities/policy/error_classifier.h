// The one place that decides what a downstream call's result means (INTERFACES.md, "Downstream
// contracts"): success, transient, permanent, conflict, or possibly-succeeded.
//
//   2xx                                   -> kSuccess
//   409                                   -> kConflict      (e.g. WMS: already shipped)
//   408, 429, 502, 503, 504               -> kTransient     (429/503 honour Retry-After)
//   other 4xx, 3xx                        -> kPermanent     (the body says why)
//   500, other 5xx                        -> kPossiblySucceeded
//   connect refused/timeout, DNS, TLS     -> kTransient     (nothing was sent)
//   read timeout / reset after send       -> kPossiblySucceeded
//   no status and no transport error,
//   or a status outside 200..599 (1xx)    -> kPossiblySucceeded (the request went out; the answer
//                                            is unusable)
//
// kPossiblySucceeded means "the request reached the downstream and we do not know what it did":
// the document may exist. The remedy is the same as for kTransient -- retry with the SAME
// Idempotency-Key, which the downstream answers with the original result -- but it is reported
// distinctly so the trace and the metrics show ambiguous failures for what they are.
//
// Pure: no clock (the caller passes `now` for HTTP-date Retry-After values), no I/O, thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "activities/activity.h"

namespace o2c::policy {

// What a call came to, as the circuit breaker and the retry logic see it.
enum class CallKind { kSuccess, kTransient, kPermanent, kConflict, kPossiblySucceeded };
std::string_view ToString(CallKind kind);  // "success", "transient", ... "possibly_succeeded"

// Failures below the HTTP layer. "Before send" errors guarantee the downstream saw nothing.
enum class TransportError {
  kNone,
  kConnectRefused,        // before send
  kConnectTimeout,        // before send
  kDns,                   // before send
  kTls,                   // handshake failed: before send
  kReadTimeoutAfterSend,  // the request went out, no (complete) answer came back
  kResetAfterSend,        // the connection dropped after the request went out
};
std::string_view ToString(TransportError error);

// One downstream call's result, as the HTTP client saw it.
struct CallResult {
  std::string downstream;  // for the reason: "ERP"
  std::string method;      // "POST"
  std::string path;        // "/erp/sales-orders"
  std::optional<int> status;
  TransportError transport = TransportError::kNone;
  std::string retry_after;  // the raw Retry-After header; empty when absent
  std::string detail;       // what the body says, if anything ("unknown SKU ABC-1")
};

struct Classification {
  CallKind kind = CallKind::kSuccess;
  // Set when the downstream sent a usable Retry-After (0 when its HTTP-date is already past).
  std::optional<std::chrono::milliseconds> retry_after;
  // A sentence a person can act on: "503 from ERP POST /erp/sales-orders: Service Unavailable".
  std::string reason;
};

// The longest Retry-After honoured; longer values are clamped to it, so one bad header cannot
// park a task for years (or overflow).
inline constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::hours(24);

// Parses a Retry-After value: delta-seconds ("120") or an HTTP-date in IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime
// ("Sun Nov  6 08:49:37 1994") form, relative to `now`. A date in the past gives 0. Returns
// nullopt for anything else (garbage is ignored, never an error). Clamped to kMaxRetryAfter.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// Classifies `result` by the table above. `now` is only used for an HTTP-date Retry-After.
// A transport error wins over a status (a status cannot be trusted once the connection failed).
Classification Classify(const CallResult& result, std::chrono::system_clock::time_point now);

// The Outcome the runtime acts on:
//   kSuccess                      -> Succeeded{result}
//   kPermanent                    -> Permanent{reason, "permanent"}
//   kConflict                     -> Permanent{reason, "conflict"}
//   kTransient/kPossiblySucceeded -> RetryAfter{retry_after or 0 (the policy decides), reason}
activities::Outcome ToOutcome(const Classification& c,
                              activities::Json result = activities::Json::object());

// The English reason phrase of a status ("Service Unavailable"); "" for unknown codes.
std::string_view ReasonPhrase(int status);

}  // namespace o2c::policy
