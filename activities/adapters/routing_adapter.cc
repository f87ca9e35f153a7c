// Order routing: which locations ship which lines (may split an order).
#include "activities/adapters/adapter.h"

namespace o2c::activities::adapters {

namespace {

Outcome Assign(const ActivityCall& call, DownstreamChannel& routing) {
  Json body = {{"order_id", call.input.value("order_id", Json())},
               {"lines", RequireArray(call.input, "lines")},
               {"shipping_address", call.input.value("shipping_address", Json())}};
  return Answer(routing.Post("/routing/assign", body), {{"allocations", Json::value_t::array}});
}

}  // namespace

Adapter MakeRoutingAdapter() { return {"routing", "Routing", {{"routing.assign", Assign}}}; }

}  // namespace o2c::activities::adapters
