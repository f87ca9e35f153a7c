// States of the refund lifecycle; kName is the persisted name (LIFECYCLES.md).
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::refund {

using machine::StateBase;

struct Start : StateBase {
  static constexpr const char* kName = "start";
};
struct Crediting : StateBase {
  static constexpr const char* kName = "crediting";
};
struct Closed : StateBase {
  static constexpr const char* kName = "closed";
};
struct NeedsAttention : StateBase {
  static constexpr const char* kName = "needs_attention";
};

using States = machine::TypeList<Start, Crediting, Closed, NeedsAttention>;

}  // namespace o2c::workflows::refund
