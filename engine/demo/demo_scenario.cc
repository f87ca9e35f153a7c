#include "engine/demo/demo_scenario.h"

#include <algorithm>
#include <map>
#include <random>

#include "engine/shopify_samples.h"

namespace o2c::demo {
namespace {

using std::chrono::milliseconds;

constexpr long long kFirstOrderId = 5'100'000'000;

// Why these offsets: the simulated WMS ships a few hundred ms after the fulfilment is created,
// so a cancel 300 ms after the order lands before shipment and one 15 s after lands after it;
// returns and refunds come once the order has had time to complete.
constexpr milliseconds kCancelBeforeShip{300};
constexpr milliseconds kCancelAfterShip{15'000};
constexpr milliseconds kReturnAfter{12'000};
constexpr milliseconds kRefundAfter{9'000};

std::vector<samples::SampleLine> DrawLines(std::mt19937_64& rng, bool unmapped) {
  std::discrete_distribution<int> line_count({40, 30, 20, 10});
  std::uniform_int_distribution<int> sku(1, 24), quantity(1, 3), cents(500, 15'000);
  int n = line_count(rng) + 1;
  std::vector<samples::SampleLine> lines;
  for (int i = 0; i < n; ++i) {
    int price = cents(rng);
    std::string text = std::to_string(price / 100) + "." + (price % 100 < 10 ? "0" : "") +
                       std::to_string(price % 100);
    lines.push_back({"SKU-" + std::to_string(sku(rng)), quantity(rng), text});
  }
  if (unmapped) lines[0].sku = "UNMAPPED-GIFTCARD";
  return lines;
}

}  // namespace

Scenario BuildScenario(const ScenarioOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::map<std::string, int> planned;
  Scenario out;
  const int n_orders = std::max(options.orders, 1);
  const int unmapped_index = n_orders / 3;
  for (int n = 0; n < n_orders; ++n) {
    const long long order_id = kFirstOrderId + n;
    const std::string key = options.shop + "/orders/" + std::to_string(order_id);
    const milliseconds at{options.duration.count() * n / n_orders};
    const std::string id_prefix =
        "demo-" + std::to_string(options.seed) + "-" + std::to_string(order_id) + "-";
    auto lines = DrawLines(rng, n == unmapped_index);
    nlohmann::json order = samples::ShopifyOrderJson(order_id, lines);
    auto add = [&](milliseconds when, const std::string& topic, const std::string& id_suffix,
                   const nlohmann::json& body) {
      out.deliveries.push_back({when, topic, id_prefix + id_suffix, body.dump(), key});
    };
    // About one order in 37: its cancellation is delivered before the order itself.
    const bool out_of_order = n % 37 == 11;
    if (out_of_order) {
      nlohmann::json cancelled = order;
      cancelled["cancelled_at"] = "2026-11-20T19:05:00-05:00";
      add(at, "orders/cancelled", "cancelled", cancelled);
      add(at + milliseconds(400), "orders/create", "create", order);
      ++planned["out_of_order"];
      continue;
    }
    add(at, "orders/create", "create", order);
    if (unit(rng) < 0.03) {  // Shopify retries a delivery it thinks failed: same id
      add(at + milliseconds(50), "orders/create", "create", order);
      ++planned["duplicates"];
    }
    if (n == unmapped_index) {
      ++planned["unmapped_sku"];
      continue;
    }
    double fate = unit(rng);
    nlohmann::json cancelled = order;
    cancelled["cancelled_at"] = "2026-11-20T19:05:00-05:00";
    if (fate < 0.06) {
      add(at + kCancelBeforeShip, "orders/cancelled", "cancelled", cancelled);
      ++planned["cancel_before_ship"];
    } else if (fate < 0.10) {
      add(at + kCancelAfterShip, "orders/cancelled", "cancelled", cancelled);
      ++planned["cancel_after_ship"];
    } else if (fate < 0.25) {
      const long long return_id = order_id * 10 + 7;
      const long long first_line_id = order_id * 10 + 1;  // ShopifyOrderJson numbers lines so
      add(at + kReturnAfter, "returns/request", "return",
          samples::ShopifyReturnJson(return_id, order_id, first_line_id));
      ++planned["return"];
    } else if (fate < 0.30) {
      add(at + kRefundAfter, "refunds/create", "refund",
          samples::ShopifyRefundJson(order_id * 10 + 9, order_id, "5.00"));
      ++planned["goodwill_refund"];
    } else {
      ++planned["normal"];
    }
  }
  std::stable_sort(out.deliveries.begin(), out.deliveries.end(),
                   [](const Delivery& a, const Delivery& b) { return a.at < b.at; });
  out.planned.assign(planned.begin(), planned.end());
  return out;
}

}  // namespace o2c::demo
