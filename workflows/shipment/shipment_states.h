// States of the shipment lifecycle; kName is the persisted name (LIFECYCLES.md).
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::shipment {

using machine::StateBase;

struct Start : StateBase {
  static constexpr const char* kName = "start";
};
struct Requesting : StateBase {
  static constexpr const char* kName = "requesting";
};
struct AwaitingPick : StateBase {
  static constexpr const char* kName = "awaiting_pick";
};
struct Picking : StateBase {
  static constexpr const char* kName = "picking";
};
struct Packed : StateBase {
  static constexpr const char* kName = "packed";
};
struct PartiallyShipped : StateBase {
  static constexpr const char* kName = "partially_shipped";
};
struct Shipped : StateBase {
  static constexpr const char* kName = "shipped";
};
struct Closed : StateBase {
  static constexpr const char* kName = "closed";
};
struct Failed : StateBase {
  static constexpr const char* kName = "failed";
};
struct Cancelling : StateBase {
  static constexpr const char* kName = "cancelling";
};
struct Cancelled : StateBase {
  static constexpr const char* kName = "cancelled";
};
struct NeedsAttention : StateBase {
  static constexpr const char* kName = "needs_attention";
};

using States = machine::TypeList<Start, Requesting, AwaitingPick, Picking, Packed, PartiallyShipped,
                                 Shipped, Closed, Failed, Cancelling, Cancelled, NeedsAttention>;

}  // namespace o2c::workflows::shipment
