// AnnotateDownstream (ops_service.h): what a dry run's calls say about their downstreams, from a
// scripted DocumentLookup (the HTTP side is http_executor_lookup_test.cc).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "engine/ops/ops_service.h"

namespace o2c::ops {
namespace {

using activities::DocumentLookupResult;
using activities::DocumentPresence;

class ScriptedLookup : public activities::DocumentLookup {
 public:
  std::map<std::string, DocumentLookupResult> by_key;
  std::vector<std::string> asked;  // "activity key", in order

  DocumentLookupResult LookUpDocument(const std::string& activity,
                                      const std::string& key) override {
    asked.push_back(activity + " " + key);
    auto it = by_key.find(key);
    return it != by_key.end() ? it->second
                              : DocumentLookupResult{DocumentPresence::kUnknown, nullptr, "?"};
  }
};

Json Calls() {
  return Json::array({
      {{"call", "erp.create_sales_order"}, {"idempotency_key", "so:1"}, {"already_done", false}},
      {{"call", "wms.create_fulfillment"}, {"idempotency_key", "wf:1"}},
      {{"call", "shopify.create_fulfillment"}, {"idempotency_key", "sf:1"}},
      {{"signal", "cancel"}, {"to", "shipment demo/1/shipments/1"}},
  });
}

TEST(AnnotateDownstreamTest, PresentAbsentAndUnknownFromTheLookup) {
  ScriptedLookup lookup;
  lookup.by_key["so:1"] = {
      DocumentPresence::kPresent,
      {{"status", 200}, {"body", {{"sales_order_id", "SO-123"}, {"status", "open"}}}},
      ""};
  lookup.by_key["wf:1"] = {DocumentPresence::kAbsent, nullptr, ""};
  lookup.by_key["sf:1"] = {DocumentPresence::kUnknown, nullptr, "Shopify answered 500: down"};
  Json calls = Calls();
  AnnotateDownstream(calls, &lookup, "");

  EXPECT_EQ(lookup.asked,
            (std::vector<std::string>{"erp.create_sales_order so:1", "wms.create_fulfillment wf:1",
                                      "shopify.create_fulfillment sf:1"}));
  EXPECT_EQ(calls[0]["downstream"], "present");
  EXPECT_EQ(calls[0]["downstream_document"], Json({{"sales_order_id", "SO-123"}}));
  EXPECT_FALSE(calls[0].contains("downstream_detail"));
  EXPECT_EQ(calls[0]["already_done"], false);  // what we hold is still said as before
  EXPECT_EQ(calls[1]["downstream"], "absent");
  EXPECT_FALSE(calls[1].contains("downstream_document"));
  EXPECT_FALSE(calls[1].contains("downstream_detail"));
  EXPECT_EQ(calls[2]["downstream"], "unknown");
  EXPECT_EQ(calls[2]["downstream_detail"], "Shopify answered 500: down");
  EXPECT_EQ(calls[3], Calls()[3]);  // a signal goes to no downstream
}

TEST(AnnotateDownstreamTest, AbsentWithARecordedRefusalSaysWhatARepeatGets) {
  ScriptedLookup lookup;
  lookup.by_key["so:1"] = {DocumentPresence::kAbsent,
                           {{"status", 422}, {"body", {{"error", "rejected"}}}},
                           "it answered this key 422 (rejected)"};
  Json calls = Json::array({Calls()[0]});
  AnnotateDownstream(calls, &lookup, "");
  EXPECT_EQ(calls[0]["downstream"], "absent");
  EXPECT_EQ(calls[0]["downstream_detail"], "it answered this key 422 (rejected)");
}

TEST(AnnotateDownstreamTest, WithoutALookupEachCallNamesItsMissingSetting) {
  Json calls = Calls();
  AnnotateDownstream(calls, nullptr, "");
  EXPECT_EQ(calls[0]["downstream"], "not checked");
  EXPECT_EQ(calls[0]["downstream_detail"], "O2C_ERP_URL is not set");
  EXPECT_EQ(calls[1]["downstream_detail"], "O2C_WMS_URL is not set");
  EXPECT_EQ(calls[2]["downstream_detail"], "O2C_SHOPIFY_URL is not set");
  EXPECT_FALSE(calls[3].contains("downstream"));

  calls = Calls();
  AnnotateDownstream(calls, nullptr, "o2c serve runs with --activities scripted");
  EXPECT_EQ(calls[1]["downstream"], "not checked");
  EXPECT_EQ(calls[1]["downstream_detail"], "o2c serve runs with --activities scripted");
}

}  // namespace
}  // namespace o2c::ops
