// A seeded fuzz test of the webhook handlers: random mutations of valid deliveries (bodies cut,
// flipped, padded, re-typed, nested; headers dropped or garbled; signatures stale, rotated or
// recomputed) must never crash or throw, and must always get one of the documented answers (200,
// 400, 401, 422) as a JSON body in the project's shape, with an inbox row that says why.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/shopify_samples.h"
#include "tests/unit/ingest_test_support.h"

namespace o2c::testing {
namespace {

constexpr std::uint64_t kSeed = 20261122;
constexpr int kShopifyCases = 3000;
constexpr int kWmsCases = 2000;

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::string Body(std::string body) {
    switch (Pick(10)) {
      case 0:  // cut short
        body.resize(Pick(static_cast<int>(body.size()) + 1));
        break;
      case 1:  // a byte flipped
        if (!body.empty()) body[Pick(static_cast<int>(body.size()))] ^= 1 << Pick(8);
        break;
      case 2:  // random bytes inserted
        body.insert(Pick(static_cast<int>(body.size()) + 1), RandomBytes(1 + Pick(16)));
        break;
      case 3:  // a slice removed
        if (!body.empty()) {
          int at = Pick(static_cast<int>(body.size()));
          body.erase(at, Pick(32));
        }
        break;
      case 4:  // wrapped deep
        body = std::string(10 + Pick(200), '[') + body + std::string(Pick(200), ']');
        break;
      case 5:  // a value re-typed
        body = Retyped(body);
        break;
      case 6:
        body = Json::array({1, "two", nullptr}).dump();
        break;
      case 7:
        body.clear();
        break;
      default:  // left valid
        break;
    }
    return body;
  }

  void Headers(http::HeaderMap& headers, const std::vector<std::string>& topics) {
    if (Chance(0.1) && !headers.empty()) {
      auto it = headers.begin();
      std::advance(it, Pick(static_cast<int>(headers.size())));
      headers.erase(it);
    }
    for (auto& [name, value] : headers) {
      if (Chance(0.05)) value = RandomBytes(Pick(40));
      if (name.find("Topic") != std::string::npos && Chance(0.1))
        value = topics[Pick(static_cast<int>(topics.size()))];
    }
  }

 private:
  std::string RandomBytes(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>(Pick(256));
    return s;
  }
  std::string Retyped(const std::string& body) {
    Json j = Json::parse(body, nullptr, false);
    if (!j.is_object() || j.empty()) return body;
    auto it = j.begin();
    std::advance(it, Pick(static_cast<int>(j.size())));
    const Json replacements[] = {nullptr,
                                 -1,
                                 0,
                                 "",
                                 Json::array(),
                                 Json::object(),
                                 18446744073709551615ull,
                                 1e308,
                                 "gid://shopify/Order/",
                                 "a/b"};
    *it = replacements[Pick(10)];
    return j.dump();
  }
  std::mt19937_64 rng_;
};

void ExpectDocumentedAnswer(const http::HttpResponse& r, std::map<int, int>& seen) {
  ++seen[r.status];
  ASSERT_TRUE(r.status == 200 || r.status == 400 || r.status == 401 || r.status == 422)
      << r.status << " " << r.body;
  Json body = Json::parse(r.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << r.body;
  if (r.status == 200) {
    EXPECT_TRUE(body["status"] == "accepted" || body["status"] == "duplicate") << r.body;
  } else {
    EXPECT_TRUE(body["error"].is_string() && body["message"].is_string()) << r.body;
  }
}

void ExpectInboxExplainsEveryRejection(WebhookHarness& h) {
  for (const InboxRecord& row : h.Inbox()) {
    if (row.delivery.verdict == "accepted") continue;
    ASSERT_TRUE(row.delivery.reason) << row.id;
    EXPECT_FALSE(row.delivery.reason->empty());
    if (row.delivery.verdict == "unauthorized") {
      EXPECT_FALSE(row.delivery.delivery_id);
    }
  }
}

TEST(IngestFuzz, ShopifyDeliveriesGetOnlyDocumentedAnswers) {
  WebhookHarness h;
  Mutator m(kSeed);
  const std::vector<std::pair<std::string, std::string>> valid = {
      {"orders/create", samples::ShopifyOrderJson(1001).dump()},
      {"orders/paid", samples::ShopifyOrderJson(1002).dump()},
      {"orders/cancelled", samples::ShopifyOrderJson(1003).dump()},
      {"returns/request", samples::ShopifyReturnJson(5001, 1001, 10011).dump()},
      {"refunds/create", samples::ShopifyRefundJson(7001, 1001, "25.00").dump()}};
  const std::vector<std::string> topics = {
      "orders/create", "refunds/create", "returns/request", "customers/create", "", "orders/"};
  std::map<int, int> seen;
  for (int i = 0; i < kShopifyCases; ++i) {
    const auto& [topic, base] = valid[m.Pick(static_cast<int>(valid.size()))];
    std::string body = m.Body(base);
    // Mostly re-signed, so the mutated body gets past the signature and into the parser.
    const char* keys[] = {kShopifyKey, kOldShopifyKey, "not-our-key"};
    std::string key = keys[m.Chance(0.85) ? m.Pick(2) : 2];
    http::HttpRequest req =
        ShopifyRequest(topic, body, "wh-" + std::to_string(m.Pick(kShopifyCases)), key);
    if (m.Chance(0.05)) req.headers["X-Shopify-Hmac-Sha256"] = http::HmacSha256Base64(key, base);
    m.Headers(req.headers, topics);
    http::HttpResponse r;
    ASSERT_NO_THROW(r = h.shopify.Handle(req)) << "case " << i;
    ExpectDocumentedAnswer(r, seen);
    if (HasFatalFailure()) FAIL() << "case " << i << " body " << ::testing::PrintToString(body);
  }
  ExpectInboxExplainsEveryRejection(h);
  for (int status : {200, 400, 401, 422}) EXPECT_GT(seen[status], 0) << "never answered " << status;
  std::cout << "shopify fuzz answers:";
  for (auto [status, n] : seen) std::cout << " " << status << "x" << n;
  std::cout << "\n";
}

TEST(IngestFuzz, WmsDeliveriesGetOnlyDocumentedAnswers) {
  WebhookHarness h;
  Mutator m(kSeed + 1);
  const std::string shipment_key = std::string(kShop) + "/orders/1001/shipments/1";
  const std::string return_key = std::string(kShop) + "/returns/5001";
  for (auto [type, key] : {std::pair{"shipment", shipment_key}, std::pair{"return", return_key}}) {
    NewWorkflow w;
    w.type = type;
    w.business_key = key;
    h.store->CreateWorkflow(w, h.clock.Now());
  }
  const std::vector<std::string> topics = {
      "fulfillment.picked", "fulfillment.packed", "fulfillment.shipped", "fulfillment.delivered",
      "return.received",    "return.inspected",   "fulfillment.lost",    ""};
  std::map<int, int> seen;
  for (int i = 0; i < kWmsCases; ++i) {
    const std::string topic = topics[m.Pick(6)];
    const std::string id = "ev-" + std::to_string(m.Pick(kWmsCases));
    Json base = {{"id", id}, {"topic", topic}, {"occurred_at", "2026-11-22T10:00:00Z"}};
    if (topic.rfind("fulfillment", 0) == 0) {
      base["fulfillment_id"] = "F-1";
      base["shipment_key"] = m.Chance(0.9) ? shipment_key : "nope/1";
      base["lines"] = {{{"line_id", "10011"}, {"quantity", 1}}};
      base["carrier"] = "UPS";
      base["tracking_number"] = "1Z999AA10123456784";
    } else {
      base["expected_return_id"] = "ER-1";
      base["return_key"] = m.Chance(0.9) ? return_key : "nope/2";
      base["lines"] = Json::array();
      base["disposition"] = "scrap";
    }
    std::string body = m.Body(base.dump());
    const std::string key = m.Chance(0.9) ? kWmsKey : "not-our-key";
    http::HttpRequest req = WmsRequest(topic, Json(), id, key);
    req.body = body;
    req.headers["X-WMS-Signature"] = http::HmacSha256Base64(key, body);
    m.Headers(req.headers, topics);
    http::HttpResponse r;
    ASSERT_NO_THROW(r = h.wms.Handle(req)) << "case " << i;
    ExpectDocumentedAnswer(r, seen);
    if (HasFatalFailure()) FAIL() << "case " << i << " body " << ::testing::PrintToString(body);
  }
  ExpectInboxExplainsEveryRejection(h);
  for (int status : {200, 400, 401, 422}) EXPECT_GT(seen[status], 0) << "never answered " << status;
  std::cout << "wms fuzz answers:";
  for (auto [status, n] : seen) std::cout << " " << status << "x" << n;
  std::cout << "\n";
}

}  // namespace
}  // namespace o2c::testing
