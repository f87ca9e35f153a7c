// Delivery of the simulated WMS's progress webhooks to the engine, the way a real 3PL does it: a
// background thread, a due-time queue, retries with backoff, and order within a stream.
//
// A *stream* is the events of one document (a fulfillment's picked, packed, shipped, delivered; an
// expected return's received, inspected), in order. Only a stream's head is ever due: the next
// event is scheduled `delay` after the previous one was accepted, so the engine never sees packed
// before it accepted picked. Streams are independent of each other.
//
// Delivery: POST {engine_url}/webhooks/wms with Content-Type: application/json, X-WMS-Topic,
// X-WMS-Event-Id (the same on every retry) and X-WMS-Signature = base64(HMAC-SHA256(secret, raw
// body)) (omitted when the secret is empty). The body is `event.body` plus "id", "topic" and
// "occurred_at" (UTC ISO-8601 with milliseconds, the time of the first attempt); it is built once
// and every retry sends the same bytes. A 2xx accepts the event; any other answer or a transport
// error is retried after `first_retry`, doubling up to `max_retry`, until `give_up_after` from the
// first attempt, when it is counted `failed` and the stream moves on to its next event.
//
// The gate runs just before an event's first attempt (never under the sender's lock): false drops
// that event and the rest of its stream (a fulfillment cancelled before it shipped). Stop() drops
// the queue and joins the thread (an attempt in progress finishes first, bounded by
// `request_timeout`). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace o2c::sim {

// What goes on the wire for one attempt.
struct WebhookDelivery {
  std::string topic;
  std::string event_id;
  std::string body;       // the raw JSON body
  std::string signature;  // base64 HMAC of `body`; empty when unsigned
};

struct WebhookOptions {
  std::string engine_url;  // "http://127.0.0.1:8080"; empty (and no `deliver`): nothing is sent
  std::string secret;      // the HMAC key; never logged
  std::chrono::milliseconds step_delay{200};  // between one event's acceptance and the next
  std::chrono::milliseconds first_retry{500};
  std::chrono::milliseconds max_retry{10'000};
  std::chrono::milliseconds give_up_after{std::chrono::minutes(10)};
  std::chrono::milliseconds request_timeout{5'000};
  // Injectable transport: returns the HTTP status, or 0 for a transport error. Default: an HTTP
  // POST to engine_url.
  std::function<int(const WebhookDelivery&)> deliver;

  bool enabled() const { return !engine_url.empty() || static_cast<bool>(deliver); }
};

struct WebhookEvent {
  std::string topic;                   // "fulfillment.picked"
  std::string event_id;                // unique; the engine's dedup key
  nlohmann::json body;                 // the topic's fields (without id, topic, occurred_at)
  std::chrono::milliseconds delay{0};  // after the previous event of the stream (or the enqueue)
};

class WebhookSender {
 public:
  using Gate = std::function<bool(const std::string& stream, const WebhookEvent& event)>;
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // Starts the delivery thread. REQUIRES: options.enabled().
  WebhookSender(WebhookOptions options, Gate gate, WallClock now);
  ~WebhookSender();  // Stop()s
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Appends `events` to `stream` (starting it when it has nothing pending).
  void Enqueue(const std::string& stream, std::vector<WebhookEvent> events);
  // Drops everything queued and joins the thread. Idempotent.
  void Stop();

  // {"sent": accepted events, "retries": repeated attempts, "failed": events given up on,
  //  "pending": events not yet accepted, failed or dropped, "dropped": events the gate refused}
  nlohmann::json Stats() const;

 private:
  using Steady = std::chrono::steady_clock;
  struct Pending {
    WebhookEvent event;
    int attempts = 0;
    Steady::time_point first_attempt;
    WebhookDelivery delivery;  // built at the first attempt
  };
  // Invariant: a stream in streams_ is non-empty and its head is either in due_ or being
  // attempted by the delivery thread.
  using Stream = std::deque<Pending>;

  void Run();
  // REQUIRES: mu_ held. Removes the stream's head (accepted or given up on) and schedules the
  // next event, or forgets the stream when it was the last.
  void Advance(const std::string& stream);
  WebhookDelivery Build(const WebhookEvent& event) const;
  std::chrono::milliseconds Backoff(int attempts) const;

  const WebhookOptions options_;
  const Gate gate_;
  const WallClock now_;
  std::function<int(const WebhookDelivery&)> deliver_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                               // GUARDED_BY(mu_)
  std::map<std::string, Stream> streams_;               // GUARDED_BY(mu_)
  std::multimap<Steady::time_point, std::string> due_;  // GUARDED_BY(mu_): stream heads by time
  std::int64_t sent_ = 0, retries_ = 0, failed_ = 0, dropped_ = 0, pending_ = 0;  // GUARDED_BY(mu_)
  std::thread thread_;  // last: starts after everything above is initialized
};

// "2026-11-22T17:31:04.123Z".
std::string FormatUtcMillis(std::chrono::system_clock::time_point t);

}  // namespace o2c::sim
