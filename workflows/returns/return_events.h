// Events of the return lifecycle, named as in LIFECYCLES.md (see ReturnWorkflow for how activity
// outcomes and timers are translated into them).
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::returns {

using machine::EventBase;

struct ReturnRequested : EventBase {
  static constexpr const char* kName = "return_requested";
};
struct RmaCreated : EventBase {
  static constexpr const char* kName = "rma_created";
};
// wms.expect_return succeeded (an acknowledgement; recorded, no state change).
struct ReturnExpected : EventBase {
  static constexpr const char* kName = "return_expected";
};
struct Received : EventBase {
  static constexpr const char* kName = "received";
};
// {disposition: restock|refurbish|scrap|reject, lines?: [{line_id|sku, quantity}]}
struct Inspected : EventBase {
  static constexpr const char* kName = "inspected";
};
struct CreditMemoIssued : EventBase {
  static constexpr const char* kName = "credit_memo_issued";
};
struct RefundCreated : EventBase {
  static constexpr const char* kName = "refund_created";
};
struct RefundFailed : EventBase {
  static constexpr const char* kName = "refund_failed";
};
struct ReturnWindowFired : EventBase {
  static constexpr const char* kName = "return_window_fired";
};
struct RmaClosed : EventBase {
  static constexpr const char* kName = "rma_closed";
};
struct RmaCancelled : EventBase {
  static constexpr const char* kName = "rma_cancelled";
};
struct CreditMemoVoided : EventBase {
  static constexpr const char* kName = "credit_memo_voided";
};
struct ActivityFailed : EventBase {
  static constexpr const char* kName = "activity_failed";
};
struct CompensationFailed : EventBase {
  static constexpr const char* kName = "compensation_failed";
};

using Events =
    machine::TypeList<ReturnRequested, RmaCreated, ReturnExpected, Received, Inspected,
                      CreditMemoIssued, RefundCreated, RefundFailed, ReturnWindowFired, RmaClosed,
                      RmaCancelled, CreditMemoVoided, ActivityFailed, CompensationFailed>;

}  // namespace o2c::workflows::returns
