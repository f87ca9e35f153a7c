// List/search filters (`o2c list`, GET /api/workflows) and keyset pagination, as plain values.
//
// A page is ordered by (updated_at, id): least recently changed first, which is how an operator
// reads a backlog, and the order two existing indexes (status, updated_at, id) and
// (type, state, updated_at, id) already provide. The cursor is the last row's (updated_at, id),
// opaque to callers; a workflow that changes between two pages moves to the end, so it can show
// up again later or be skipped once — the price of never scanning an offset.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "engine/clock.h"

namespace o2c::ops {

struct ListCursor {
  std::int64_t updated_at_micros = 0;
  std::int64_t id = 0;
};

struct ListQuery {
  std::optional<std::string> type;    // order | shipment | return | refund
  std::optional<std::string> status;  // running | waiting | needs_attention | terminal ones
  std::optional<std::string> state;   // a state name of `type` (or of any type)
  bool stuck = false;                 // StuckPolicy: needs attention or past its state's SLA
  std::optional<std::chrono::seconds> older_than;  // no change for longer than this
  std::optional<std::string> q;  // text in business key, correlation id or attention reason
  int limit = 50;                // 1..500
  std::optional<ListCursor> after;
};

inline constexpr int kMaxListLimit = 500;

// From named parameters as the API and the CLI both spell them: type, status, state,
// stuck (true|false), older_than ("15m"), q, limit, cursor. Throws std::invalid_argument with a
// sentence naming the parameter and what is accepted; unknown names are refused too.
ListQuery ParseListQuery(const std::map<std::string, std::string>& params);

std::string EncodeCursor(const ListCursor& cursor);
// Throws std::invalid_argument for anything EncodeCursor did not produce.
ListCursor DecodeCursor(const std::string& text);

}  // namespace o2c::ops
