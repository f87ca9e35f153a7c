#include "activities/policy/policy_config.h"

#include <gtest/gtest.h>

namespace o2c::policy {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

// The example from the brief and INTERFACES.md.
const char* kExample = R"({
  "downstreams": {"erp": {"rate_limit_per_s": 10, "burst": 1, "concurrency": 4,
                          "timeout_ms": 5000,
                          "breaker": {"failures": 5, "open_for_ms": 10000,
                                      "half_open_probes": 1}}},
  "activities": {"erp.create_sales_order": {"max_attempts": 8, "backoff_base_ms": 200,
                                            "backoff_cap_ms": 60000, "timeout_ms": 5000}}
})";

// Expects FromJson(text) to throw, with every one of `needles` in the message.
void ExpectError(const std::string& text, std::initializer_list<const char*> needles) {
  try {
    PolicyConfig::FromJson(Json::parse(text));
    ADD_FAILURE() << "no error for " << text;
  } catch (const std::invalid_argument& e) {
    for (const char* needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << e.what() << "' lacks '" << needle << "'";
    }
  }
}

TEST(PolicyConfig, ParsesTheExample) {
  auto config = PolicyConfig::FromJson(Json::parse(kExample));
  DownstreamPolicy erp = config.ForDownstream("erp");
  EXPECT_EQ(erp.rate_limit_per_s, 10.0);
  EXPECT_EQ(erp.burst, 1);
  EXPECT_EQ(erp.concurrency, 4);
  EXPECT_EQ(erp.timeout, milliseconds(5'000));
  EXPECT_EQ(erp.breaker.failures, 5);
  EXPECT_EQ(erp.breaker.open_for, milliseconds(10'000));
  EXPECT_EQ(erp.breaker.half_open_probes, 1);
  ActivityPolicy so = config.ForActivity("erp.create_sales_order");
  EXPECT_EQ(so.backoff.max_attempts, 8);
  EXPECT_EQ(so.backoff.base, milliseconds(200));
  EXPECT_EQ(so.backoff.cap, milliseconds(60'000));
  EXPECT_EQ(so.timeout, milliseconds(5'000));
  ASSERT_EQ(config.configured_downstreams().size(), 1u);
  EXPECT_EQ(config.configured_downstreams().begin()->first, "erp");
}

TEST(PolicyConfig, DefaultsForEverything) {
  for (const PolicyConfig& config :
       {PolicyConfig(), PolicyConfig::FromJson(Json::object()),
        PolicyConfig::FromJson(Json::parse(R"({"downstreams": {}, "activities": {}})"))}) {
    DownstreamPolicy d = config.ForDownstream("wms");
    EXPECT_FALSE(d.rate_limit_per_s);
    EXPECT_EQ(d.burst, 1);
    EXPECT_FALSE(d.concurrency);
    EXPECT_EQ(d.timeout, milliseconds(5'000));
    EXPECT_TRUE(d.breaker.enabled);
    EXPECT_EQ(d.breaker.failures, 5);
    EXPECT_EQ(d.breaker.open_for, milliseconds(10'000));
    EXPECT_EQ(d.breaker.half_open_probes, 1);
    EXPECT_EQ(d.breaker.failure_ratio, 0);
    ActivityPolicy a = config.ForActivity("wms.create_fulfillment");
    EXPECT_EQ(a.backoff.max_attempts, 5);
    EXPECT_EQ(a.backoff.base, milliseconds(200));
    EXPECT_EQ(a.backoff.cap, milliseconds(60'000));
    EXPECT_EQ(a.timeout, milliseconds(5'000));
  }
}

TEST(PolicyConfig, DownstreamComesFromTheActivityPrefix) {
  EXPECT_EQ(PolicyConfig::DownstreamOf("erp.create_sales_order"), "erp");
  EXPECT_EQ(PolicyConfig::DownstreamOf("shopify.create_refund"), "shopify");
  EXPECT_EQ(PolicyConfig::DownstreamOf("routing"), "routing");
  EXPECT_EQ(PolicyConfig::DownstreamOf("a.b.c"), "a");
}

TEST(PolicyConfig, ActivityTimeoutFallsBackToItsDownstream) {
  auto config = PolicyConfig::FromJson(Json::parse(R"({
    "downstreams": {"erp": {"timeout_ms": 9000}, "wms": {"timeout_ms": 2000}},
    "activities": {"erp.create_invoice": {"max_attempts": 3},
                   "wms.cancel_fulfillment": {"timeout_ms": 1500}}})"));
  EXPECT_EQ(config.ForActivity("erp.create_invoice").timeout, milliseconds(9'000));
  EXPECT_EQ(config.ForActivity("erp.create_rma").timeout, milliseconds(9'000));  // unlisted
  EXPECT_EQ(config.ForActivity("wms.cancel_fulfillment").timeout, milliseconds(1'500));
  EXPECT_EQ(config.ForActivity("routing.assign").timeout, milliseconds(5'000));
  EXPECT_EQ(config.ForActivity("erp.create_invoice").backoff.max_attempts, 3);
  EXPECT_EQ(config.ForActivity("erp.create_rma").backoff.max_attempts, 5);
}

TEST(PolicyConfig, StarEntriesAreTheDefaultsOthersLayerOn) {
  auto config = PolicyConfig::FromJson(Json::parse(R"({
    "downstreams": {"*": {"concurrency": 8, "breaker": {"failures": 3}},
                    "erp": {"rate_limit_per_s": 10, "breaker": {"open_for_ms": 30000}},
                    "shopify": {"concurrency": null}},
    "activities": {"*": {"max_attempts": 10, "timeout_ms": 3000},
                   "erp.create_sales_order": {"backoff_base_ms": 500}}})"));
  DownstreamPolicy erp = config.ForDownstream("erp");
  EXPECT_EQ(erp.concurrency, 8);
  EXPECT_EQ(erp.rate_limit_per_s, 10.0);
  EXPECT_EQ(erp.breaker.failures, 3);
  EXPECT_EQ(erp.breaker.open_for, milliseconds(30'000));
  EXPECT_FALSE(config.ForDownstream("shopify").concurrency);  // null: unlimited
  EXPECT_EQ(config.ForDownstream("routing").concurrency, 8);
  ActivityPolicy so = config.ForActivity("erp.create_sales_order");
  EXPECT_EQ(so.backoff.max_attempts, 10);
  EXPECT_EQ(so.backoff.base, milliseconds(500));
  EXPECT_EQ(so.timeout, milliseconds(3'000));
  EXPECT_EQ(config.ForActivity("wms.create_fulfillment").backoff.max_attempts, 10);
  EXPECT_EQ(config.configured_downstreams().size(), 2u);
}

TEST(PolicyConfig, FullBreakerAndFractionalRate) {
  auto config = PolicyConfig::FromJson(Json::parse(R"({"downstreams": {"routing": {
    "rate_limit_per_s": 2.5, "burst": 3,
    "breaker": {"enabled": false, "failures": 2, "open_for_ms": 100, "half_open_probes": 2,
                "probe_wait_ms": 50, "failure_ratio": 0.25, "window_ms": 60000,
                "min_calls": 20}}}})"));
  DownstreamPolicy r = config.ForDownstream("routing");
  EXPECT_EQ(r.rate_limit_per_s, 2.5);
  EXPECT_EQ(r.burst, 3);
  EXPECT_FALSE(r.breaker.enabled);
  EXPECT_EQ(r.breaker.failures, 2);
  EXPECT_EQ(r.breaker.open_for, milliseconds(100));
  EXPECT_EQ(r.breaker.half_open_probes, 2);
  EXPECT_EQ(r.breaker.probe_wait, milliseconds(50));
  EXPECT_EQ(r.breaker.failure_ratio, 0.25);
  EXPECT_EQ(r.breaker.window, milliseconds(60'000));
  EXPECT_EQ(r.breaker.min_calls, 20);
  CircuitBreaker breaker(r.breaker);  // what the parser accepts, the breaker accepts
}

TEST(PolicyConfig, OtherTopLevelKeysBelongToTheRestOfTheFile) {
  auto config = PolicyConfig::FromJson(
      Json::parse(R"({"listen": "127.0.0.1:8080", "slas": {"validating": "5m"}})"));
  EXPECT_EQ(config.ForDownstream("erp").burst, 1);
}

TEST(PolicyConfig, UnknownKeysAreErrors) {
  ExpectError(R"({"downstreams": {"erp": {"rate_limit_per_sec": 10}}})",
              {"unknown key downstreams.erp.rate_limit_per_sec", "rate_limit_per_s"});
  ExpectError(R"({"downstreams": {"erp": {"breaker": {"failure": 3}}}})",
              {"downstreams.erp.breaker.failure", "failures"});
  ExpectError(R"({"activities": {"erp.create_sales_order": {"max_attempt": 3}}})",
              {"activities.erp.create_sales_order.max_attempt", "max_attempts"});
  ExpectError(R"({"activities": {"*": {"backoff_ms": 3}}})", {"activities.*.backoff_ms"});
}

TEST(PolicyConfig, NegativeAndOutOfRangeValuesAreErrors) {
  ExpectError(R"({"downstreams": {"erp": {"burst": -1}}})",
              {"downstreams.erp.burst", "between 1 and", "got -1"});
  ExpectError(R"({"downstreams": {"erp": {"rate_limit_per_s": -10}}})",
              {"downstreams.erp.rate_limit_per_s", "got -10"});
  ExpectError(R"({"downstreams": {"erp": {"rate_limit_per_s": 0}}})",
              {"downstreams.erp.rate_limit_per_s"});
  ExpectError(R"({"downstreams": {"erp": {"concurrency": 0}}})", {"downstreams.erp.concurrency"});
  ExpectError(R"({"downstreams": {"erp": {"timeout_ms": 0}}})", {"downstreams.erp.timeout_ms"});
  ExpectError(R"({"downstreams": {"erp": {"timeout_ms": 99999999999999}}})",
              {"downstreams.erp.timeout_ms"});
  ExpectError(R"({"downstreams": {"erp": {"timeout_ms": 18446744073709551615}}})",
              {"downstreams.erp.timeout_ms"});
  ExpectError(R"({"downstreams": {"erp": {"breaker": {"failures": 0}}}})",
              {"downstreams.erp.breaker.failures"});
  ExpectError(R"({"downstreams": {"erp": {"breaker": {"failure_ratio": 1.5}}}})",
              {"downstreams.erp.breaker.failure_ratio", "between 0 and 1"});
  ExpectError(R"({"activities": {"erp.x": {"max_attempts": 0}}})",
              {"activities.erp.x.max_attempts"});
  ExpectError(R"({"activities": {"erp.x": {"backoff_base_ms": -200}}})",
              {"activities.erp.x.backoff_base_ms", "got -200"});
  ExpectError(R"({"activities": {"erp.x": {"backoff_base_ms": 500, "backoff_cap_ms": 100}}})",
              {"activities.erp.x.backoff_cap_ms (100) must be >= backoff_base_ms (500)"});
  // The cap from "*" must cover an entry's base too.
  ExpectError(
      R"({"activities": {"*": {"backoff_cap_ms": 1000}, "erp.x": {"backoff_base_ms": 5000}}})",
      {"activities.erp.x.backoff_cap_ms (1000) must be >= backoff_base_ms (5000)"});
  ExpectError(R"({"activities": {"*": {"backoff_cap_ms": 100}}})",
              {"activities.*.backoff_cap_ms (100) must be >= backoff_base_ms (200)"});
}

TEST(PolicyConfig, WrongTypesAreErrors) {
  ExpectError(R"({"downstreams": {"erp": {"burst": "5"}}})", {"downstreams.erp.burst", "\"5\""});
  ExpectError(R"({"downstreams": {"erp": {"burst": 1.5}}})", {"downstreams.erp.burst", "integer"});
  ExpectError(R"({"downstreams": {"erp": {"burst": true}}})", {"downstreams.erp.burst"});
  ExpectError(R"({"downstreams": {"erp": {"rate_limit_per_s": "10/s"}}})",
              {"downstreams.erp.rate_limit_per_s", "number"});
  ExpectError(R"({"downstreams": {"erp": {"breaker": {"enabled": "yes"}}}})",
              {"downstreams.erp.breaker.enabled", "true or false"});
  ExpectError(R"({"downstreams": {"erp": {"breaker": 5}}})",
              {"downstreams.erp.breaker", "JSON object"});
  ExpectError(R"({"downstreams": {"erp": 10}})", {"downstreams.erp", "JSON object"});
  ExpectError(R"({"downstreams": []})", {"downstreams", "JSON object"});
  ExpectError(R"({"activities": "erp"})", {"activities", "JSON object"});
  ExpectError(R"({"activities": {"erp.x": {"timeout_ms": null}}})",
              {"activities.erp.x.timeout_ms"});
  ExpectError(R"([1, 2])", {"must be a JSON object"});
}

TEST(PolicyConfig, BadNamesAreErrors) {
  ExpectError(R"({"activities": {"create_sales_order": {}}})",
              {"activities.create_sales_order", "<downstream>.<action>"});
  ExpectError(R"({"activities": {".x": {}}})", {"activities..x"});
  ExpectError(R"({"activities": {"erp.": {}}})", {"activities.erp."});
  ExpectError(R"({"downstreams": {"erp.sales": {}}})", {"downstreams.erp.sales", "without dots"});
  ExpectError(R"({"downstreams": {"": {}}})", {"downstream name"});
}

}  // namespace
}  // namespace o2c::policy
