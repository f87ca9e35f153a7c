// The ERP: item resolution, sales orders, invoices, RMAs and credit memos.
#include "activities/adapters/adapter.h"

namespace o2c::activities::adapters {

namespace {

using T = Json::value_t;

Outcome ResolveItems(const ActivityCall& call, DownstreamChannel& erp) {
  Json body = {{"order_id", call.input.value("order_id", Json())},
               {"lines", RequireArray(call.input, "lines")}};
  Reply reply = erp.Post("/erp/items/resolve", body);
  Outcome outcome = Answer(reply, {{"items", T::object}});
  // Why default `unmapped`: the order machine reads it, and an ERP that maps everything may omit
  // it.
  if (auto* ok = std::get_if<Succeeded>(&outcome); ok && !ok->result.contains("unmapped"))
    ok->result["unmapped"] = Json::array();
  return outcome;
}

// The reference of a sales order is the order's business key ("<shop>/<order_id>"): one ERP order
// per Shopify order, whatever the retries or replays.
Outcome CreateSalesOrder(const ActivityCall& call, DownstreamChannel& erp) {
  RequireArray(call.input, "lines");
  const std::string reference = call.input.contains("order_business_key")
                                    ? RequireText(call.input, "order_business_key")
                                    : BusinessKeyOfCall(call);
  return Answer(erp.Post("/erp/sales-orders", WithReference(call.input, reference)),
                {{"sales_order_id", T::string}});
}

Outcome CancelSalesOrder(const ActivityCall& call, DownstreamChannel& erp) {
  const std::string id = RequireText(call.input, "sales_order_id");
  return Answer(erp.Post("/erp/sales-orders" + PathSegment(id) + "/cancel", call.input));
}

// One invoice per shipped event of a shipment: "<shipment_key>#<shipment_seq>".
Outcome PostInvoice(const ActivityCall& call, DownstreamChannel& erp) {
  const std::string reference =
      RequireText(call.input, "shipment_key") + "#" + RequireText(call.input, "shipment_seq");
  RequireArray(call.input, "lines");
  return Answer(erp.Post("/erp/invoices", WithReference(call.input, reference)),
                {{"invoice_id", T::string}});
}

Outcome CreateRma(const ActivityCall& call, DownstreamChannel& erp) {
  const std::string reference = RequireText(call.input, "return_key");
  return Answer(erp.Post("/erp/rmas", WithReference(call.input, reference)),
                {{"rma_id", T::string}});
}

Handler ChangeRma(const char* verb) {
  return [verb](const ActivityCall& call, DownstreamChannel& erp) {
    const std::string id = RequireText(call.input, "rma_id");
    return Answer(erp.Post("/erp/rmas" + PathSegment(id) + "/" + verb, call.input));
  };
}

// A credit memo belongs to a return (return workflow) or to a Shopify refund no return initiated
// (refund workflow); the workflow's business key says which.
Outcome IssueCreditMemo(const ActivityCall& call, DownstreamChannel& erp) {
  std::string reference;
  if (call.input.contains("return_key"))
    reference = RequireText(call.input, "return_key");
  else if (call.input.contains("refund_key"))
    reference = RequireText(call.input, "refund_key");
  else
    throw InputError("return_key or refund_key");
  return Answer(erp.Post("/erp/credit-memos", WithReference(call.input, reference)),
                {{"credit_memo_id", T::string}});
}

Outcome VoidCreditMemo(const ActivityCall& call, DownstreamChannel& erp) {
  const std::string id = RequireText(call.input, "credit_memo_id");
  return Answer(erp.Post("/erp/credit-memos" + PathSegment(id) + "/void", call.input));
}

}  // namespace

Adapter MakeErpAdapter() {
  return {"erp",
          "ERP",
          {{"erp.resolve_items", ResolveItems},
           {"erp.create_sales_order", CreateSalesOrder},
           {"erp.cancel_sales_order", CancelSalesOrder},
           {"erp.post_invoice", PostInvoice},
           {"erp.create_rma", CreateRma},
           {"erp.close_rma", ChangeRma("close")},
           {"erp.cancel_rma", ChangeRma("cancel")},
           {"erp.issue_credit_memo", IssueCreditMemo},
           {"erp.void_credit_memo", VoidCreditMemo}}};
}

}  // namespace o2c::activities::adapters
