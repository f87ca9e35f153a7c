#include "activities/sim/sim_webhooks.h"

#include <algorithm>
#include <ctime>
#include <memory>

#include "engine/http/hmac.h"
#include "engine/http/http_client.h"

namespace o2c::sim {

std::string FormatUtcMillis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
  return buf;
}

namespace {

// The default transport: one keep-alive client for the engine.
std::function<int(const WebhookDelivery&)> HttpDelivery(const WebhookOptions& options) {
  http::HttpClientOptions client_options;
  client_options.request_timeout = options.request_timeout;
  client_options.connect_timeout =
      std::min(client_options.connect_timeout, options.request_timeout);
  auto client = std::make_shared<http::HttpClient>(client_options);
  return [client, url = options.engine_url](const WebhookDelivery& d) {
    http::HeaderMap headers;
    headers["Content-Type"] = "application/json";
    headers["X-WMS-Topic"] = d.topic;
    headers["X-WMS-Event-Id"] = d.event_id;
    if (!d.signature.empty()) headers["X-WMS-Signature"] = d.signature;
    try {
      http::HttpCallResult result =
          client->Send(url, http::MakeRequest("POST", "/webhooks/wms", headers, d.body));
      return result.response ? result.response->status : 0;
    } catch (const std::exception&) {
      return 0;  // a malformed engine URL: retried and eventually failed, like an unreachable one
    }
  };
}

}  // namespace

WebhookSender::WebhookSender(WebhookOptions options, Gate gate, WallClock now)
    : options_(std::move(options)),
      gate_(std::move(gate)),
      now_(std::move(now)),
      deliver_(options_.deliver ? options_.deliver : HttpDelivery(options_)),
      thread_([this] { Run(); }) {}

WebhookSender::~WebhookSender() { Stop(); }

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    streams_.clear();
    due_.clear();
    pending_ = 0;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void WebhookSender::Enqueue(const std::string& stream, std::vector<WebhookEvent> events) {
  if (events.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    auto [it, created] = streams_.try_emplace(stream);
    for (WebhookEvent& e : events) it->second.push_back(Pending{std::move(e)});
    pending_ += static_cast<std::int64_t>(events.size());
    // Why only a new stream is scheduled: an existing one has its head due or in flight, and the
    // new events follow it.
    if (created) due_.emplace(Steady::now() + it->second.front().event.delay, stream);
  }
  wake_.notify_all();
}

nlohmann::json WebhookSender::Stats() const {
  std::lock_guard lock(mu_);
  return {{"sent", sent_},
          {"retries", retries_},
          {"failed", failed_},
          {"pending", pending_},
          {"dropped", dropped_}};
}

std::chrono::milliseconds WebhookSender::Backoff(int attempts) const {
  auto delay = options_.first_retry;
  for (int i = 1; i < attempts && delay < options_.max_retry; ++i) delay *= 2;
  return std::min(delay, options_.max_retry);
}

WebhookDelivery WebhookSender::Build(const WebhookEvent& event) const {
  nlohmann::json body = event.body.is_object() ? event.body : nlohmann::json::object();
  body["id"] = event.event_id;
  body["topic"] = event.topic;
  body["occurred_at"] = FormatUtcMillis(now_());
  WebhookDelivery d{event.topic, event.event_id, body.dump(), ""};
  if (!options_.secret.empty()) d.signature = http::HmacSha256Base64(options_.secret, d.body);
  return d;
}

void WebhookSender::Advance(const std::string& name) {
  auto it = streams_.find(name);
  if (it == streams_.end()) return;
  it->second.pop_front();
  --pending_;
  if (it->second.empty()) {
    streams_.erase(it);
    return;
  }
  due_.emplace(Steady::now() + it->second.front().event.delay, name);
}

void WebhookSender::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (due_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto next = due_.begin();
    if (next->first > Steady::now()) {
      wake_.wait_until(lock, next->first);
      continue;
    }
    const std::string name = next->second;
    due_.erase(next);
    auto stream = streams_.find(name);
    if (stream == streams_.end()) continue;
    const bool first = stream->second.front().attempts == 0;
    const WebhookEvent event = stream->second.front().event;
    WebhookDelivery delivery = stream->second.front().delivery;
    const Steady::time_point started = Steady::now();

    // Why unlocked: the gate takes the simulator's lock and delivery waits on the network; Enqueue
    // and Stats must not wait for either.
    lock.unlock();
    bool admitted = true;
    if (first) {
      admitted = gate_(name, event);
      if (admitted) delivery = Build(event);
    }
    const int status = admitted ? deliver_(delivery) : 0;
    lock.lock();
    if (stopping_) break;
    stream = streams_.find(name);
    if (stream == streams_.end()) continue;
    if (!admitted) {
      const auto n = static_cast<std::int64_t>(stream->second.size());
      dropped_ += n;
      pending_ -= n;
      streams_.erase(stream);
      continue;
    }
    Pending& head = stream->second.front();
    if (first) {
      head.delivery = delivery;
      head.first_attempt = started;
    }
    ++head.attempts;
    if (status >= 200 && status <= 299) {
      ++sent_;
      Advance(name);
    } else if (Steady::now() - head.first_attempt >= options_.give_up_after) {
      ++failed_;
      Advance(name);
    } else {
      ++retries_;
      due_.emplace(Steady::now() + Backoff(head.attempts), name);
    }
  }
}

}  // namespace o2c::sim
