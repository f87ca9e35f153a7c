// The simulated calls themselves: documents, their states, the lists. Faults and idempotency are
// handled before these run (sim_service.cc).
#include <ctime>
#include <optional>

#include "activities/sim/sim_routes.h"
#include "activities/sim/sim_service.h"

namespace o2c::sim {

using Json = nlohmann::json;
using http::ErrorResponse;
using http::JsonResponse;

namespace {

std::string FormatTime(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "" -> the epoch; digits -> epoch seconds; else "YYYY-MM-DDTHH:MM:SS[.fff]Z".
std::optional<WallTime> ParseSince(const std::string& text) {
  if (text.empty()) return WallTime{};
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() < 12)
    return WallTime{} + std::chrono::seconds(std::stoll(text));
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  std::string rest = end;
  if (!rest.empty() && rest[0] == '.') {
    size_t digits_end = rest.find_first_not_of("0123456789", 1);
    rest = digits_end == std::string::npos ? "" : rest.substr(digits_end);
  }
  if (rest != "Z" && rest != "+00:00" && !rest.empty()) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string BusinessRef(const Json& body, const std::vector<std::string>& fields) {
  const Json* found = nullptr;
  if (body.contains("reference")) {
    found = &body["reference"];
  } else {
    for (const std::string& f : fields)
      if (body.contains(f) && !body[f].is_null()) {
        found = &body[f];
        break;
      }
  }
  if (!found) return "";
  std::string ref = found->is_string() ? found->get<std::string>() : found->dump();
  if (body.contains("shop") && body["shop"].is_string())
    ref = body["shop"].get<std::string>() + "/" + ref;
  return ref;
}

const std::map<std::string, std::vector<std::string>>& RefFields() {
  static const std::map<std::string, std::vector<std::string>> kFields = {
      {"erp.sales_orders", {"order_id"}},
      {"erp.invoices", {"shipment_id", "fulfillment_id", "sales_order_id"}},
      {"erp.rmas", {"return_id"}},
      {"erp.credit_memos", {"refund_id", "return_id", "rma_id"}},
      {"wms.fulfillments", {"shipment_id"}},
      {"wms.expected_returns", {"return_id", "rma_id"}},
      {"shopify.fulfillments", {"shipment_id", "fulfillment_id"}},
      {"shopify.refunds", {"refund_id", "return_id", "credit_memo_id"}},
  };
  return kFields;
}

Json Lines(const Json& body) {
  return body.contains("lines") && body["lines"].is_array() ? body["lines"] : Json::array();
}

}  // namespace

HttpResponse SimService::Execute(const Route& route, const std::vector<std::string>& ids,
                                 const Json& body, const HttpRequest& request) {
  switch (route.op) {
    case Op::kResolveItems: {
      Json items = Json::object(), unmapped = Json::array();
      for (const Json& line : Lines(body)) {
        if (!line.is_object() || !line.contains("sku") || !line["sku"].is_string()) continue;
        std::string sku = line["sku"].get<std::string>();
        if (sku.rfind("UNMAPPED", 0) == 0)
          unmapped.push_back(sku);
        else
          items[sku] = "ITEM-" + sku;
      }
      return JsonResponse(200, {{"items", items}, {"unmapped", unmapped}});
    }
    case Op::kAssignRouting: {
      Json lines = Lines(body);
      Json allocations = Json::array();
      if (lines.size() <= 2) {
        allocations.push_back({{"location", "WH-1"}, {"lines", lines}});
      } else {
        // A split shipment: the first half from WH-1, the rest from WH-2.
        size_t half = (lines.size() + 1) / 2;
        Json first = Json::array(), second = Json::array();
        for (size_t i = 0; i < lines.size(); ++i) (i < half ? first : second).push_back(lines[i]);
        allocations.push_back({{"location", "WH-1"}, {"lines", first}});
        allocations.push_back({{"location", "WH-2"}, {"lines", second}});
      }
      return JsonResponse(200, {{"allocations", allocations}});
    }
    case Op::kCreateSalesOrder:
      return Create("erp.sales_orders", "SO", "sales_order_id", body, "");
    case Op::kCancelSalesOrder:
      return ChangeStatus("erp.sales_orders", ids[0], "sales_order_id", "cancelled", {});
    case Op::kCreateInvoice:
      return Create("erp.invoices", "INV", "invoice_id", body, "");
    case Op::kCreateRma:
      return Create("erp.rmas", "RMA", "rma_id", body, "");
    case Op::kCloseRma:
      return ChangeStatus("erp.rmas", ids[0], "rma_id", "closed", {"cancelled"});
    case Op::kCancelRma:
      return ChangeStatus("erp.rmas", ids[0], "rma_id", "cancelled", {"closed"});
    case Op::kCreateCreditMemo:
      return Create("erp.credit_memos", "CM", "credit_memo_id", body, "");
    case Op::kVoidCreditMemo:
      return ChangeStatus("erp.credit_memos", ids[0], "credit_memo_id", "voided", {});
    case Op::kListCreditMemos:
      return List("erp.credit_memos", "credit_memos", request.Query("since"));
    case Op::kCreateWmsFulfillment: {
      std::string id;
      HttpResponse res = Create("wms.fulfillments", "WF", "fulfillment_id", body, "", &id);
      ScheduleFulfillmentEvents(documents_.at(id));
      return res;
    }
    case Op::kCancelWmsFulfillment:
      return ChangeStatus("wms.fulfillments", ids[0], "fulfillment_id", "cancelled", {"shipped"});
    case Op::kExpectReturn: {
      std::string id;
      HttpResponse res = Create("wms.expected_returns", "ER", "expected_return_id", body, "", &id);
      ScheduleReturnEvents(documents_.at(id));
      return res;
    }
    case Op::kCreateShopifyFulfillment:
      return Create("shopify.fulfillments", "SF", "fulfillment_id", body, ids[0]);
    case Op::kCreateShopifyRefund:
      return Create("shopify.refunds", "RF", "refund_id", body, ids[0]);
    case Op::kListShopifyRefunds:
      return List("shopify.refunds", "refunds", request.Query("since"));
    case Op::kLookUpIdempotency:
      return LookUpIdempotency(route.Downstream(), ids[0]);
  }
  return ErrorResponse(500, "internal", "unrouted operation");
}

HttpResponse SimService::Create(const std::string& kind, const std::string& prefix,
                                const std::string& id_field, const Json& body,
                                const std::string& order_id, std::string* created_id) {
  std::string ref = BusinessRef(body, RefFields().at(kind));
  if (!ref.empty()) {
    if (!order_id.empty()) ref = order_id + "/" + ref;
    if (!business_refs_.insert(kind + "|" + ref).second) ++duplicates_;
  }
  Document doc;
  doc.id = prefix + "-" + std::to_string(++serials_[prefix]);
  doc.kind = kind;
  doc.status = "open";
  doc.body = body;
  doc.created_at = options_.now();
  if (!order_id.empty()) doc.body["order_id"] = order_id;
  ++document_counts_[kind];
  std::string id = doc.id;
  documents_[id] = std::move(doc);
  if (created_id != nullptr) *created_id = id;
  return JsonResponse(200, {{id_field, id}, {"status", "open"}});
}

HttpResponse SimService::ChangeStatus(const std::string& kind, const std::string& id,
                                      const std::string& id_field, const std::string& to,
                                      const std::set<std::string>& refused_from) {
  auto it = documents_.find(id);
  if (it == documents_.end() || it->second.kind != kind)
    return ErrorResponse(404, "not_found", "no " + kind + " document " + id);
  Document& doc = it->second;
  if (refused_from.count(doc.status))
    return ErrorResponse(409, "conflict", id + " is already " + doc.status);
  doc.status = to;
  return JsonResponse(200, {{id_field, id}, {"status", to}});
}

HttpResponse SimService::List(const std::string& kind, const std::string& list_name,
                              const std::string& since) {
  std::optional<WallTime> from = ParseSince(since);
  if (!from)
    return ErrorResponse(
        400, "bad_since",
        "since must be epoch seconds or YYYY-MM-DDTHH:MM:SSZ, got '" + since + "'");
  Json out = Json::array();
  for (const auto& [id, doc] : documents_) {
    if (doc.kind != kind || doc.created_at < *from) continue;
    Json item = doc.body;
    item["id"] = id;
    item["status"] = doc.status;
    item["created_at"] = FormatTime(doc.created_at);
    out.push_back(std::move(item));
  }
  return JsonResponse(200, {{list_name, out}});
}

}  // namespace o2c::sim
