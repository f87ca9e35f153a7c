// States of the order lifecycle; kName is the persisted name (LIFECYCLES.md).
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::order {

using machine::StateBase;

struct Start : StateBase {
  static constexpr const char* kName = "start";
};
struct Validating : StateBase {
  static constexpr const char* kName = "validating";
};
struct Routing : StateBase {
  static constexpr const char* kName = "routing";
};
struct OnHold : StateBase {
  static constexpr const char* kName = "on_hold";
};
struct CreatingErpOrder : StateBase {
  static constexpr const char* kName = "creating_erp_order";
};
struct Fulfilling : StateBase {
  static constexpr const char* kName = "fulfilling";
};
struct Cancelling : StateBase {
  static constexpr const char* kName = "cancelling";
};
struct Compensating : StateBase {
  static constexpr const char* kName = "compensating";
};
struct Completed : StateBase {
  static constexpr const char* kName = "completed";
};
struct Cancelled : StateBase {
  static constexpr const char* kName = "cancelled";
};
struct Compensated : StateBase {
  static constexpr const char* kName = "compensated";
};
struct NeedsAttention : StateBase {
  static constexpr const char* kName = "needs_attention";
};

using States =
    machine::TypeList<Start, Validating, Routing, OnHold, CreatingErpOrder, Fulfilling, Cancelling,
                      Compensating, Completed, Cancelled, Compensated, NeedsAttention>;

}  // namespace o2c::workflows::order
