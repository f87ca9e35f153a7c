// Private to activities/sim: the route table's element type, shared by sim_service.cc (routing,
// faults, idempotency) and sim_endpoints.cc (the calls themselves).
#pragma once

#include <string>

#include "activities/sim/sim_service.h"

namespace o2c::sim {

enum class Op {
  kResolveItems,
  kCreateSalesOrder,
  kCancelSalesOrder,
  kCreateInvoice,
  kCreateRma,
  kCloseRma,
  kCancelRma,
  kCreateCreditMemo,
  kVoidCreditMemo,
  kListCreditMemos,
  kAssignRouting,
  kCreateWmsFulfillment,
  kCancelWmsFulfillment,
  kExpectReturn,
  kCreateShopifyFulfillment,
  kCreateShopifyRefund,
  kListShopifyRefunds,
  kLookUpIdempotency,  // GET /<downstream>/idempotency/{key}: the first answer for a key
};

struct SimService::Route {
  const char* method;
  const char* pattern;  // "{id}" matches one path segment (percent-decoded after matching)
  bool mutating;        // needs Idempotency-Key
  Op op;
  std::string Name() const { return std::string(method) + " " + pattern; }
  std::string Downstream() const {
    std::string p = pattern + 1;
    return p.substr(0, p.find('/'));
  }
};

}  // namespace o2c::sim
