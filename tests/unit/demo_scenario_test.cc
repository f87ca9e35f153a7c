#include "engine/demo/demo_scenario.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "workflows/model/shopify_mapping.h"

namespace o2c::demo {
namespace {

TEST(DemoScenario, SameSeedSameStreamAndSortedByTime) {
  Scenario a = BuildScenario({300, std::chrono::milliseconds(60'000), 7});
  Scenario b = BuildScenario({300, std::chrono::milliseconds(60'000), 7});
  ASSERT_EQ(a.deliveries.size(), b.deliveries.size());
  for (size_t i = 0; i < a.deliveries.size(); ++i) {
    EXPECT_EQ(a.deliveries[i].webhook_id, b.deliveries[i].webhook_id);
    EXPECT_EQ(a.deliveries[i].body, b.deliveries[i].body);
    if (i > 0) {
      EXPECT_LE(a.deliveries[i - 1].at, a.deliveries[i].at);
    }
  }
  Scenario c = BuildScenario({300, std::chrono::milliseconds(60'000), 8});
  EXPECT_NE(a.deliveries[1].body, c.deliveries[1].body);
}

TEST(DemoScenario, CoversEveryFateWithOneUnmappedSku) {
  Scenario s = BuildScenario({300, std::chrono::milliseconds(60'000), 1});
  std::map<std::string, int> planned(s.planned.begin(), s.planned.end());
  for (const char* fate : {"normal", "cancel_before_ship", "cancel_after_ship", "return",
                           "goodwill_refund", "out_of_order", "duplicates"})
    EXPECT_GT(planned[fate], 0) << fate;
  EXPECT_EQ(planned["unmapped_sku"], 1);
  int unmapped = 0;
  for (const Delivery& d : s.deliveries)
    if (d.topic == "orders/create" && d.body.find("UNMAPPED-") != std::string::npos) ++unmapped;
  EXPECT_EQ(unmapped, 1);
}

TEST(DemoScenario, EveryBodyMapsAndDuplicatesRepeatTheirWebhookId) {
  Scenario s = BuildScenario({200, std::chrono::milliseconds(20'000), 3});
  std::map<std::string, int> ids;
  for (const Delivery& d : s.deliveries) {
    auto mapped = workflows::model::MapShopifyWebhookBody(d.topic, d.body);
    EXPECT_TRUE(mapped.ok()) << d.topic << " " << d.webhook_id;
    ++ids[d.webhook_id];
  }
  std::map<std::string, int> planned(s.planned.begin(), s.planned.end());
  int repeated = 0;
  for (const auto& [id, n] : ids) repeated += n - 1;
  EXPECT_EQ(repeated, planned["duplicates"]);
}

TEST(DemoScenario, OutOfOrderCancellationComesBeforeItsOrder) {
  Scenario s = BuildScenario({100, std::chrono::milliseconds(10'000), 1});
  std::map<std::string, std::chrono::milliseconds> created, cancelled;
  for (const Delivery& d : s.deliveries) {
    if (d.topic == "orders/create") created.emplace(d.order_key, d.at);
    if (d.topic == "orders/cancelled") cancelled.emplace(d.order_key, d.at);
  }
  int early = 0;
  for (const auto& [key, at] : cancelled)
    if (at < created.at(key)) ++early;
  std::map<std::string, int> planned(s.planned.begin(), s.planned.end());
  EXPECT_EQ(early, planned["out_of_order"]);
  EXPECT_GT(early, 0);
}

}  // namespace
}  // namespace o2c::demo
