// The simulated WMS's webhooks over real loopback HTTP: a capture server on an ephemeral port
// plays the engine's /webhooks/wms and records every delivery attempt.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "activities/sim/sim_service.h"
#include "engine/http/hmac.h"
#include "engine/http/http_server.h"

namespace o2c::sim {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSecret = "wms-test-secret";

// The engine, as far as the WMS can tell: answers each attempt with `answer(n)` (n = 0-based
// attempt number over all requests) and records it.
struct FakeEngine {
  std::mutex mu;
  std::vector<http::HttpRequest> received;
  std::function<int(size_t)> answer = [](size_t) { return 200; };
  std::unique_ptr<http::HttpServer> server;

  FakeEngine() {
    http::HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.shutdown_grace = 200ms;
    server = std::make_unique<http::HttpServer>(options, [this](const http::HttpRequest& req) {
      std::lock_guard lock(mu);
      received.push_back(req);
      const int status = answer(received.size() - 1);
      return http::JsonResponse(status, {{"ok", status == 200}});
    });
    server->Start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  std::vector<http::HttpRequest> Requests() {
    std::lock_guard lock(mu);
    return received;
  }
  // Waits up to 5 s for `n` requests.
  std::vector<http::HttpRequest> WaitFor(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Requests().size() >= n) break;
      std::this_thread::sleep_for(5ms);
    }
    return Requests();
  }
  std::vector<std::string> Topics() {
    std::vector<std::string> topics;
    for (const auto& r : Requests()) topics.push_back(r.Header("X-WMS-Topic"));
    return topics;
  }
};

WebhookOptions Options(const FakeEngine& engine, std::chrono::milliseconds delay = 10ms) {
  WebhookOptions options;
  options.engine_url = engine.url();
  options.secret = kSecret;
  options.step_delay = delay;
  options.first_retry = 20ms;
  options.max_retry = 40ms;
  return options;
}

http::HttpResponse Post(SimService& service, const std::string& path, const Json& body,
                        const std::string& key) {
  return service.Handle(http::MakeRequest("POST", path, {{"Idempotency-Key", key}}, body.dump()));
}

Json FulfillmentBody() {
  return {{"shipment_key", "shop/1001/shipments/1"},
          {"reference", "shop/1001/shipments/1"},
          {"lines", Json::array({{{"line_id", "L1"}, {"sku", "A"}, {"quantity", 2}}})}};
}

bool WaitUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

TEST(SimWebhooksTest, AFulfillmentReportsItsProgressInOrderSigned) {
  FakeEngine engine;
  SimService service(SimOptions{.webhooks = Options(engine)});
  http::HttpResponse created = Post(service, "/wms/fulfillments", FulfillmentBody(), "k1");
  ASSERT_EQ(created.status, 200);
  const std::string id = Json::parse(created.body)["fulfillment_id"];

  std::vector<http::HttpRequest> got = engine.WaitFor(4);
  ASSERT_EQ(got.size(), 4u);
  const std::vector<std::string> topics = {"fulfillment.picked", "fulfillment.packed",
                                           "fulfillment.shipped", "fulfillment.delivered"};
  std::set<std::string> ids;
  for (size_t i = 0; i < got.size(); ++i) {
    const http::HttpRequest& req = got[i];
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.path, "/webhooks/wms");
    EXPECT_EQ(req.Header("Content-Type"), "application/json");
    EXPECT_EQ(req.Header("X-WMS-Topic"), topics[i]);
    EXPECT_TRUE(http::VerifyHmacSha256Base64({kSecret}, req.body, req.Header("X-WMS-Signature")))
        << req.Header("X-WMS-Signature");
    EXPECT_FALSE(
        http::VerifyHmacSha256Base64({"another"}, req.body, req.Header("X-WMS-Signature")));
    Json body = Json::parse(req.body);
    EXPECT_EQ(body["topic"], topics[i]);
    EXPECT_EQ(body["id"], req.Header("X-WMS-Event-Id"));
    ids.insert(body["id"].get<std::string>());
    EXPECT_EQ(body["fulfillment_id"], id);
    EXPECT_EQ(body["shipment_key"], "shop/1001/shipments/1");
    EXPECT_TRUE(std::regex_match(body["occurred_at"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << body["occurred_at"];
  }
  EXPECT_EQ(ids.size(), 4u);  // every event its own id
  Json shipped = Json::parse(got[2].body);
  EXPECT_EQ(shipped["lines"], FulfillmentBody()["lines"]);
  EXPECT_EQ(shipped["carrier"], "UPS");
  EXPECT_TRUE(std::regex_match(shipped["tracking_number"].get<std::string>(),
                               std::regex("[0-9A-Za-z-]{4,64}")));
  EXPECT_FALSE(Json::parse(got[0].body).contains("tracking_number"));

  EXPECT_TRUE(WaitUntil([&] { return service.Stats()["webhooks"]["sent"] == 4; }));
  Json stats = service.Stats()["webhooks"];
  EXPECT_EQ(stats["pending"], 0);
  EXPECT_EQ(stats["retries"], 0);
  EXPECT_EQ(stats["failed"], 0);

  // Shipped: the cancel is refused. An idempotent repeat of the create sends nothing new.
  EXPECT_EQ(Post(service, "/wms/fulfillments/" + id + "/cancel", {}, "c1").status, 409);
  EXPECT_EQ(Post(service, "/wms/fulfillments", FulfillmentBody(), "k1").status, 200);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(engine.Requests().size(), 4u);
}

TEST(SimWebhooksTest, A503IsRetriedWithTheSameEventIdAndBytesBeforeTheNextEvent) {
  FakeEngine engine;
  engine.answer = [](size_t n) { return n < 2 ? 503 : 200; };  // picked fails twice
  SimService service(SimOptions{.webhooks = Options(engine)});
  ASSERT_EQ(Post(service, "/wms/fulfillments", FulfillmentBody(), "k1").status, 200);
  std::vector<http::HttpRequest> got = engine.WaitFor(6);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(engine.Topics(),
            (std::vector<std::string>{"fulfillment.picked", "fulfillment.picked",
                                      "fulfillment.picked", "fulfillment.packed",
                                      "fulfillment.shipped", "fulfillment.delivered"}));
  EXPECT_EQ(got[1].Header("X-WMS-Event-Id"), got[0].Header("X-WMS-Event-Id"));
  EXPECT_EQ(got[2].Header("X-WMS-Event-Id"), got[0].Header("X-WMS-Event-Id"));
  EXPECT_EQ(got[2].body, got[0].body);  // the same bytes, so the same signature
  EXPECT_NE(got[3].Header("X-WMS-Event-Id"), got[0].Header("X-WMS-Event-Id"));
  EXPECT_TRUE(WaitUntil([&] { return service.Stats()["webhooks"]["sent"] == 4; }));
  EXPECT_EQ(service.Stats()["webhooks"]["retries"], 2);
}

TEST(SimWebhooksTest, AnEngineThatNeverAcceptsIsGivenUpOnAndCounted) {
  FakeEngine engine;
  engine.answer = [](size_t) { return 500; };
  WebhookOptions options = Options(engine);
  options.give_up_after = 60ms;
  SimService service(SimOptions{.webhooks = options});
  ASSERT_EQ(Post(service, "/wms/returns/expected", {{"return_key", "shop/returns/1"}}, "k").status,
            200);
  ASSERT_TRUE(WaitUntil([&] { return service.Stats()["webhooks"]["failed"] == 2; }))
      << service.Stats()["webhooks"];
  Json stats = service.Stats()["webhooks"];
  EXPECT_EQ(stats["sent"], 0);
  EXPECT_EQ(stats["pending"], 0);
  EXPECT_GE(stats["retries"].get<int>(), 2);
  // Each event was tried several times; received was given up on before inspected was tried.
  std::vector<std::string> topics = engine.Topics();
  ASSERT_GE(topics.size(), 4u);
  EXPECT_EQ(topics.front(), "return.received");
  EXPECT_EQ(topics.back(), "return.inspected");
  // All received, then all inspected ("return.received" sorts after "return.inspected").
  EXPECT_TRUE(std::is_sorted(topics.begin(), topics.end(), std::greater<>()));
}

TEST(SimWebhooksTest, ConnectionRefusedIsRetriedToo) {
  auto engine = std::make_unique<FakeEngine>();
  const std::string url = engine->url();
  engine.reset();  // nothing listens there now
  WebhookOptions options;
  options.engine_url = url;
  options.step_delay = 0ms;
  options.first_retry = 10ms;
  options.max_retry = 10ms;
  SimService service(SimOptions{.webhooks = options});
  ASSERT_EQ(Post(service, "/wms/fulfillments", FulfillmentBody(), "k").status, 200);
  EXPECT_TRUE(WaitUntil([&] { return service.Stats()["webhooks"]["retries"] >= 3; }));
  EXPECT_EQ(service.Stats()["webhooks"]["sent"], 0);
  EXPECT_EQ(service.Stats()["webhooks"]["pending"], 4);
  service.StopWebhooks();
  EXPECT_EQ(service.Stats()["webhooks"]["pending"], 0);
}

TEST(SimWebhooksTest, CancelledBeforeShipSendsNothingMore) {
  FakeEngine engine;
  SimService service(SimOptions{.webhooks = Options(engine, 150ms)});
  http::HttpResponse created = Post(service, "/wms/fulfillments", FulfillmentBody(), "k1");
  const std::string id = Json::parse(created.body)["fulfillment_id"];
  ASSERT_EQ(engine.WaitFor(1).size(), 1u);  // picked
  EXPECT_EQ(Post(service, "/wms/fulfillments/" + id + "/cancel", {}, "c1").status, 200);
  std::this_thread::sleep_for(600ms);  // past when packed, shipped and delivered would have gone
  EXPECT_EQ(engine.Topics(), std::vector<std::string>{"fulfillment.picked"});
  Json stats = service.Stats()["webhooks"];
  EXPECT_EQ(stats["sent"], 1);
  EXPECT_EQ(stats["dropped"], 3);
  EXPECT_EQ(stats["pending"], 0);
}

TEST(SimWebhooksTest, AReturnIsReceivedThenInspectedWithADisposition) {
  FakeEngine engine;
  SimService service(SimOptions{.webhooks = Options(engine)});
  Json lines = Json::array({{{"id", "RL1"}, {"sku", "A"}, {"quantity", 1}}});
  // ER-1: no disposition anywhere -> the cycle's first, restock; ER-2: the body's; ER-3: the first
  // line's; ER-4: the cycle's fourth, reject.
  ASSERT_EQ(Post(service, "/wms/returns/expected",
                 {{"return_key", "shop/returns/1"}, {"lines", lines}}, "r1")
                .status,
            200);
  Post(service, "/wms/returns/expected", {{"return_key", "r/2"}, {"disposition", "scrap"}}, "r2");
  Post(service, "/wms/returns/expected",
       {{"return_key", "r/3"},
        {"lines", Json::array({{{"sku", "B"}, {"disposition", "refurbish"}}})}},
       "r3");
  Post(service, "/wms/returns/expected", {{"return_key", "r/4"}}, "r4");
  ASSERT_EQ(engine.WaitFor(8).size(), 8u);
  std::map<std::string, Json> inspected;
  std::map<std::string, std::vector<std::string>> order;
  for (const auto& req : engine.Requests()) {
    Json body = Json::parse(req.body);
    order[body["expected_return_id"]].push_back(body["topic"]);
    if (body["topic"] == "return.inspected") inspected[body["expected_return_id"]] = body;
    EXPECT_TRUE(http::VerifyHmacSha256Base64({kSecret}, req.body, req.Header("X-WMS-Signature")));
  }
  for (const auto& [id, topics] : order)
    EXPECT_EQ(topics, (std::vector<std::string>{"return.received", "return.inspected"})) << id;
  EXPECT_EQ(inspected["ER-1"]["disposition"], "restock");
  EXPECT_EQ(inspected["ER-1"]["return_key"], "shop/returns/1");
  EXPECT_EQ(inspected["ER-1"]["lines"], lines);
  EXPECT_EQ(inspected["ER-2"]["disposition"], "scrap");
  EXPECT_EQ(inspected["ER-3"]["disposition"], "refurbish");
  EXPECT_EQ(inspected["ER-4"]["disposition"], "reject");
}

TEST(SimWebhooksTest, InjectedTransportUnsignedWithoutASecretAndIdsDifferPerRun) {
  auto sent = std::make_shared<std::vector<WebhookDelivery>>();
  auto mu = std::make_shared<std::mutex>();
  WebhookOptions options;
  options.step_delay = 0ms;
  options.deliver = [sent, mu](const WebhookDelivery& d) {
    std::lock_guard lock(*mu);
    sent->push_back(d);
    return 204;
  };
  SimService first(SimOptions{.webhooks = options});
  SimService second(SimOptions{.webhooks = options});
  Post(first, "/wms/returns/expected", {{"return_key", "r/1"}}, "k");
  Post(second, "/wms/returns/expected", {{"return_key", "r/1"}}, "k");
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard lock(*mu);
    return sent->size() == 4;
  }));
  std::lock_guard lock(*mu);
  std::set<std::string> ids;
  for (const WebhookDelivery& d : *sent) {
    EXPECT_EQ(d.signature, "");
    ids.insert(d.event_id);
  }
  // Both simulators call their first expected return ER-1; the event ids still differ.
  EXPECT_EQ(ids.size(), 4u);
}

TEST(SimWebhooksTest, StopDropsTheQueueAndDisabledMeansZeros) {
  FakeEngine engine;
  SimService service(SimOptions{.webhooks = Options(engine, 10s)});
  Post(service, "/wms/fulfillments", FulfillmentBody(), "k1");
  EXPECT_EQ(service.Stats()["webhooks"]["pending"], 4);
  service.StopWebhooks();
  EXPECT_EQ(service.Stats()["webhooks"]["pending"], 0);
  Post(service, "/wms/fulfillments", FulfillmentBody(), "k2");  // after Stop: not queued
  EXPECT_EQ(service.Stats()["webhooks"]["pending"], 0);
  EXPECT_TRUE(engine.Requests().empty());

  SimService quiet;
  Post(quiet, "/wms/fulfillments", FulfillmentBody(), "k1");
  EXPECT_EQ(quiet.Stats()["webhooks"],
            Json({{"sent", 0}, {"retries", 0}, {"failed", 0}, {"pending", 0}, {"dropped", 0}}));
}

}  // namespace
}  // namespace o2c::sim
