// Asking a downstream whether it already holds the document an activity call creates, by the
// call's idempotency key (INTERFACES.md "Downstream contracts": GET /<downstream>/idempotency/
// <key> answers the FIRST answer recorded for that key). Operator dry runs use it to tell a
// person, before a replay or retry, whether the downstream will hand back an existing document or
// create a new one (engine/ops/ops_service.h).
//
// Contract of LookUpDocument(activity, idempotency_key):
//   kPresent  the downstream recorded a 2xx answer for the key: `answer` is its record
//             {"idempotency_key", "method", "path", "status", "body"}; a repeat of the call gets
//             `answer["body"]` back and creates nothing
//   kAbsent   the downstream holds nothing for the key (a repeat creates the document), or it
//             recorded a non-2xx answer (then `answer` is that record and `detail` says what a
//             repeat gets back; no document exists)
//   kUnknown  the downstream could not be asked or answered something else: `detail` is a
//             sentence saying why (not configured, unreachable, an unexpected status)
// Never throws; safe to call from any number of threads. Reads only: nothing is created.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace o2c::activities {

enum class DocumentPresence { kPresent, kAbsent, kUnknown };

struct DocumentLookupResult {
  DocumentPresence presence = DocumentPresence::kUnknown;
  nlohmann::json answer;  // the downstream's record for the key; null when it has none
  std::string detail;     // why kUnknown; what a repeat gets when a non-2xx answer was recorded
};

class DocumentLookup {
 public:
  virtual ~DocumentLookup() = default;
  virtual DocumentLookupResult LookUpDocument(const std::string& activity,
                                              const std::string& idempotency_key) = 0;
};

// "present" | "absent" | "unknown": how dry runs spell a presence.
inline const char* PresenceName(DocumentPresence presence) {
  switch (presence) {
    case DocumentPresence::kPresent:
      return "present";
    case DocumentPresence::kAbsent:
      return "absent";
    case DocumentPresence::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace o2c::activities
