// The warehouse (WMS/3PL): fulfilment requests, their cancellation, expected returns. Progress
// (picked, packed, shipped, received, inspected) comes back as /webhooks/wms events, not here.
#include "activities/adapters/adapter.h"

namespace o2c::activities::adapters {

namespace {

using T = Json::value_t;

// One fulfilment per shipment workflow: the reference is the shipment's business key.
Outcome CreateFulfillment(const ActivityCall& call, DownstreamChannel& wms) {
  const std::string reference = RequireText(call.input, "shipment_key");
  RequireArray(call.input, "lines");
  return Answer(wms.Post("/wms/fulfillments", WithReference(call.input, reference)),
                {{"fulfillment_id", T::string}});
}

// 409 once shipped: classified as a conflict, which the shipment machine reads as already_shipped.
Outcome CancelFulfillment(const ActivityCall& call, DownstreamChannel& wms) {
  const std::string id = RequireText(call.input, "fulfillment_id");
  return Answer(wms.Post("/wms/fulfillments" + PathSegment(id) + "/cancel", call.input));
}

Outcome ExpectReturn(const ActivityCall& call, DownstreamChannel& wms) {
  const std::string reference = RequireText(call.input, "return_key");
  return Answer(wms.Post("/wms/returns/expected", WithReference(call.input, reference)),
                {{"expected_return_id", T::string}});
}

}  // namespace

Adapter MakeWmsAdapter() {
  return {"wms",
          "WMS",
          {{"wms.create_fulfillment", CreateFulfillment},
           {"wms.cancel_fulfillment", CancelFulfillment},
           {"wms.expect_return", ExpectReturn}}};
}

}  // namespace o2c::activities::adapters
