#include "activities/inprocess_executor.h"

namespace o2c::activities {

void InProcessExecutor::SetScript(const std::string& activity, Script script) {
  std::lock_guard lock(mutex_);
  scripts_[activity] = std::move(script);
}

void InProcessExecutor::OnSuccess(std::function<void(const ActivityCall&, const Json&)> hook) {
  std::lock_guard lock(mutex_);
  on_success_ = std::move(hook);
}

Json InProcessExecutor::DefaultResult(const ActivityCall& call, int serial) {
  const std::string& a = call.activity;
  std::string id = std::to_string(serial);
  if (a == "erp.resolve_items") {
    Json items = Json::object();
    if (call.input.contains("lines") && call.input["lines"].is_array()) {
      for (const Json& line : call.input["lines"]) {
        if (line.contains("sku") && line["sku"].is_string())
          items[line["sku"].get<std::string>()] = "ITEM-" + line["sku"].get<std::string>();
      }
    }
    return {{"items", items}, {"unmapped", Json::array()}};
  }
  if (a == "routing.assign") {
    Json lines = call.input.value("lines", Json::array());
    return {{"allocations", Json::array({{{"location", "WH-1"}, {"lines", lines}}})}};
  }
  if (a == "erp.create_sales_order") return {{"sales_order_id", "SO-" + id}};
  if (a == "erp.post_invoice") return {{"invoice_id", "INV-" + id}};
  if (a == "erp.create_rma") return {{"rma_id", "RMA-" + id}};
  if (a == "erp.issue_credit_memo") return {{"credit_memo_id", "CM-" + id}};
  if (a == "wms.create_fulfillment") return {{"fulfillment_id", "WF-" + id}};
  if (a == "shopify.create_fulfillment") return {{"fulfillment_id", "SF-" + id}};
  if (a == "shopify.create_refund") return {{"refund_id", "RF-" + id}};
  return {{"ok", true}, {"document_id", "DOC-" + id}};
}

Outcome InProcessExecutor::Execute(const ActivityCall& call) {
  Script script;
  {
    std::lock_guard lock(mutex_);
    ++calls_;
    ++calls_by_key_[call.idempotency_key];
    auto it = scripts_.find(call.activity);
    if (it == scripts_.end()) it = scripts_.find("*");
    if (it != scripts_.end()) script = it->second;
    // Idempotency first, as a real downstream does: a key it has answered is answered again.
    if (auto done = answered_.find(call.idempotency_key); done != answered_.end()) {
      ++repeats_;
      return Succeeded{done->second};
    }
  }
  if (script) {
    if (std::optional<Outcome> scripted = script(call)) {
      auto* ok = std::get_if<Succeeded>(&*scripted);
      if (!ok) return *scripted;
      std::function<void(const ActivityCall&, const Json&)> hook;
      {
        std::lock_guard lock(mutex_);
        answered_[call.idempotency_key] = ok->result;
        ++documents_[call.activity];
        hook = on_success_;
      }
      if (hook) hook(call, ok->result);
      return *scripted;
    }
  }
  Json result;
  std::function<void(const ActivityCall&, const Json&)> hook;
  {
    std::lock_guard lock(mutex_);
    result = DefaultResult(call, ++serial_);
    answered_[call.idempotency_key] = result;
    ++documents_[call.activity];
    hook = on_success_;
  }
  if (hook) hook(call, result);
  return Succeeded{result};
}

std::map<std::string, int> InProcessExecutor::documents() const {
  std::lock_guard lock(mutex_);
  return documents_;
}
int InProcessExecutor::idempotent_repeats() const {
  std::lock_guard lock(mutex_);
  return repeats_;
}
int InProcessExecutor::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}
std::map<std::string, int> InProcessExecutor::calls_by_key() const {
  std::lock_guard lock(mutex_);
  return calls_by_key_;
}

}  // namespace o2c::activities
