// Events of the refund lifecycle (a Shopify refund no return initiated), as in LIFECYCLES.md.
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::refund {

using machine::EventBase;

struct RefundRecorded : EventBase {
  static constexpr const char* kName = "refund_recorded";
};
struct CreditMemoIssued : EventBase {
  static constexpr const char* kName = "credit_memo_issued";
};
struct ActivityFailed : EventBase {
  static constexpr const char* kName = "activity_failed";
};

using Events = machine::TypeList<RefundRecorded, CreditMemoIssued, ActivityFailed>;

}  // namespace o2c::workflows::refund
