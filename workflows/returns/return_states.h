// States of the return lifecycle; kName is the persisted name (LIFECYCLES.md).
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::returns {

using machine::StateBase;

struct Start : StateBase {
  static constexpr const char* kName = "start";
};
struct Authorizing : StateBase {
  static constexpr const char* kName = "authorizing";
};
struct AwaitingReceipt : StateBase {
  static constexpr const char* kName = "awaiting_receipt";
};
struct Inspecting : StateBase {
  static constexpr const char* kName = "inspecting";
};
struct Crediting : StateBase {
  static constexpr const char* kName = "crediting";
};
struct Refunding : StateBase {
  static constexpr const char* kName = "refunding";
};
struct Closed : StateBase {
  static constexpr const char* kName = "closed";
};
struct Rejected : StateBase {
  static constexpr const char* kName = "rejected";
};
struct Expired : StateBase {
  static constexpr const char* kName = "expired";
};
struct NeedsAttention : StateBase {
  static constexpr const char* kName = "needs_attention";
};

using States = machine::TypeList<Start, Authorizing, AwaitingReceipt, Inspecting, Crediting,
                                 Refunding, Closed, Rejected, Expired, NeedsAttention>;

}  // namespace o2c::workflows::returns
