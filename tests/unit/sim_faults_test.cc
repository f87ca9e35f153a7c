#include "activities/sim/sim_faults.h"

#include <gtest/gtest.h>

namespace o2c::sim {
namespace {

using Json = nlohmann::json;

TEST(SimFaultsTest, ParsesTheInterfacesExampleAndRoundTrips) {
  Json in = Json::parse(R"({"rules": [{"match": "POST /erp/sales-orders", "error_rate": 0.05,
      "error_status": 503, "latency_ms": [5, 50], "timeout_rate": 0.0, "ambiguous_rate": 0.2,
      "outage": {"start_in_s": 0, "duration_s": 30}, "rate_limit": {"per_s": 10, "retry_after_s": 2},
      "reject_rate": 0.0}]})");
  std::vector<FaultRule> rules = ParseFaultRules(in);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].latency_min_ms, 5);
  EXPECT_EQ(rules[0].latency_max_ms, 50);
  EXPECT_DOUBLE_EQ(rules[0].ambiguous_rate, 0.2);
  ASSERT_TRUE(rules[0].outage && rules[0].rate_limit);
  EXPECT_DOUBLE_EQ(rules[0].outage->duration_s, 30);
  EXPECT_DOUBLE_EQ(rules[0].rate_limit->per_s, 10);
  EXPECT_EQ(ParseFaultRules(FaultRulesToJson(rules)).size(), 1u);
  EXPECT_EQ(FaultRulesToJson(rules)["rules"][0]["match"], "POST /erp/sales-orders");
}

TEST(SimFaultsTest, Matching) {
  FaultRule any;
  EXPECT_TRUE(any.Matches("GET", "/anything"));
  FaultRule erp_posts{.match = "POST /erp"};
  EXPECT_TRUE(erp_posts.Matches("POST", "/erp/sales-orders"));
  EXPECT_FALSE(erp_posts.Matches("GET", "/erp/credit-memos"));
  EXPECT_FALSE(erp_posts.Matches("POST", "/wms/fulfillments"));
  FaultRule any_method{.match = "* /wms"};
  EXPECT_TRUE(any_method.Matches("GET", "/wms/x"));
}

TEST(SimFaultsTest, RejectsBadRules) {
  for (const char* bad :
       {R"({})", R"({"rules": {}})", R"({"rules": [{"error_rate": 2}]})",
        R"({"rules": [{"error_status": 200}]})", R"({"rules": [{"latency_ms": [50, 5]}]})",
        R"({"rules": [{"match": "POST"}]})", R"({"rules": [{"typo_rate": 1}]})",
        R"({"rules": [{"rate_limit": {"per_s": 0}}]})",
        R"({"rules": [{"outage": {"duration_s": -1}}]})"})
    EXPECT_THROW(ParseFaultRules(Json::parse(bad)), std::invalid_argument) << bad;
  EXPECT_TRUE(ParseFaultRules(Json::parse(R"({"rules": []})")).empty());
}

TEST(SimFaultsTest, CompactSpecIsTheSameRuleAsTheJsonExample) {
  Json spec = FaultSpecToJson(
      "POST /erp/sales-orders;error_rate=0.05;ambiguous_rate=0.2;outage=0+30;rate_limit=10/2;"
      "latency_ms=5-50;reject_rate=0;timeout_rate=0;error_status=503");
  Json example = Json::parse(R"({"match": "POST /erp/sales-orders", "error_rate": 0.05,
      "error_status": 503, "latency_ms": [5, 50], "timeout_rate": 0.0, "ambiguous_rate": 0.2,
      "outage": {"start_in_s": 0, "duration_s": 30}, "rate_limit": {"per_s": 10, "retry_after_s": 2},
      "reject_rate": 0.0})");
  EXPECT_EQ(FaultRulesToJson(ParseFaultRules({{"rules", {spec}}})),
            FaultRulesToJson(ParseFaultRules({{"rules", {example}}})));

  Json small = FaultSpecToJson("* /wms ; latency_ms=20; rate_limit=5;");
  EXPECT_EQ(small["match"], "* /wms");
  EXPECT_EQ(small["latency_ms"], Json::array({20, 20}));
  EXPECT_EQ(small["rate_limit"], Json({{"per_s", 5.0}}));
  EXPECT_EQ(FaultSpecToJson("*"), Json({{"match", "*"}}));
}

TEST(SimFaultsTest, CompactSpecErrorsNameThePart) {
  auto message = [](const std::string& spec) -> std::string {
    try {
      FaultSpecToJson(spec);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message("POST /erp;error_rate").find("not key=value"), std::string::npos);
  EXPECT_NE(message("POST /erp;typo=1").find("unknown fault key 'typo'"), std::string::npos);
  EXPECT_NE(message("POST /erp;error_rate=lots").find("error_rate must be a number"),
            std::string::npos);
  EXPECT_NE(message("POST /erp;error_rate=nan").find("must be a number"), std::string::npos);
  EXPECT_NE(message("POST /erp;error_rate=1.5").find("[0, 1]"), std::string::npos);
  EXPECT_NE(message("POST /erp;outage=30").find("outage must be A+B"), std::string::npos);
  EXPECT_NE(message("POST /erp;latency_ms=50-5").find("latency_ms"), std::string::npos);
  EXPECT_NE(message("POST /erp;error_status=200").find("400..599"), std::string::npos);
  EXPECT_NE(message("/erp;error_rate=1").find("match must be"), std::string::npos);
}

}  // namespace
}  // namespace o2c::sim
