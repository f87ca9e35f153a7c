// A small synchronous HTTP/1.1 client over http:// and https://: Boost.Beast + Asio (+ OpenSSL
// for TLS) behind a Beast-free interface (this header; http_client.cc and tls_client_setup.cc are
// the only TUs that include Beast/Asio SSL for it).
//
// Send() blocks the calling thread; any number of threads may call it at once. Idle keep-alive
// connections, TLS ones included, are pooled per scheme://host:port (at most `max_idle_per_host`
// each, mutex-protected); a pooled TLS connection is reused without a new handshake.
//
// Retries: a pooled connection is checked before reuse (a peer that closed it is noticed and the
// connection dropped). A connection that still fails BEFORE the request was fully written (a stale
// keep-alive the check missed) is retried once on a fresh connection. Once the request was written
// it is never retried here: the failure is "possibly succeeded" and the caller decides (retrying
// with the same Idempotency-Key).
//
// TLS (https://): SNI is the URL's host (not sent for an IP literal); the peer's certificate must
// chain to the system trust store or to `ca_file`, and must name the URL's host (DNS name, or IP
// address for an IP literal). `verify_peer = false` turns both checks off: tests and development
// only. TLS 1.2 or newer.
//
// Deadlines: `connect_timeout` bounds establishing a connection (the TCP connect and, for
// https://, the TLS handshake together), `request_timeout` the whole call (connect, handshake,
// write and read).
//
// Errors map onto policy::TransportError:
//   resolve failed                                  -> kDns                 (nothing sent)
//   connect refused / unreachable                   -> kConnectRefused      (nothing sent)
//   connect timed out                               -> kConnectTimeout      (nothing sent)
//   TLS handshake failed or timed out               -> kTls                 (nothing sent); detail
//                                                      says why, e.g. "certificate verify failed:
//                                                      self-signed certificate (...what to do...)"
//   write failed (reset, or timed out) twice        -> kConnectRefused / kConnectTimeout: an
//                                                      incomplete request cannot have been acted on
//   read timed out after the request was written    -> kReadTimeoutAfterSend
//   EOF / reset / garbage after the request         -> kResetAfterSend
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "activities/policy/error_classifier.h"
#include "engine/http/http_message.h"

namespace o2c::http {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{2'000};   // TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{10'000};  // the whole call, connect included
  std::size_t max_idle_per_host = 4;
  // https:// only: a PEM bundle of CA certificates trusted IN ADDITION to the system trust store
  // (a private CA, a test CA). "" = the system trust store alone.
  std::string ca_file;
  // https:// only. false accepts any certificate for any name: FOR TESTS AND DEVELOPMENT ONLY --
  // anyone on the network path can then read and change the traffic.
  bool verify_peer = true;
};

struct HttpCallResult {
  std::optional<HttpResponse> response;  // set iff error == kNone
  policy::TransportError error = policy::TransportError::kNone;
  // True once the whole request was handed to the connection: the downstream may have acted on it.
  bool request_sent = false;
  std::chrono::milliseconds duration{0};
  std::string detail;  // why, when error != kNone (the Asio/Beast/OpenSSL message, with a hint)
};

// For the error classifier. `downstream` names the service in reasons ("ERP"); `detail` is the
// transport detail, else the response's "message" (the project's error shape), else "".
policy::CallResult ToCallResult(const HttpCallResult& result, const HttpRequest& request,
                                std::string downstream = {});

// A W3C traceparent "00-<32 hex trace id>-<16 hex span id>-01". The trace id depends only on
// `correlation_id` (every call of one workflow shares a trace); the span id on both arguments.
// Deterministic; neither id is ever all zeros.
std::string TraceParent(std::string_view correlation_id, std::string_view span_seed);

class HttpClient {
 public:
  // Throws std::invalid_argument when `options.ca_file` is set but cannot be read or holds no PEM
  // certificate (a configuration error: reported when the client is made, not per call).
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `base_url`: "http://HOST:PORT" or "https://HOST:PORT" (default ports 80 / 443), optionally
  // followed by a path prefix ("http://h:8090/api");
  // the request's `target` (else its `path`) is appended. Adds Host, User-Agent: o2c,
  // Content-Type: application/json when there is a body (unless the request sets one),
  // Idempotency-Key and traceparent when non-empty. Never throws for network errors; throws
  // std::invalid_argument for a malformed base_url (a configuration error, not a transient one).
  HttpCallResult Send(const std::string& base_url, const HttpRequest& request,
                      std::string_view idempotency_key = {}, std::string_view traceparent = {});

  // TCP connections opened so far, TLS or not (reuse keeps it flat).
  int connections_opened() const;
  // Idle connections pooled now, over all hosts.
  int idle_connections() const;

  struct Impl;  // opaque: the Beast and OpenSSL state lives in http_client.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace o2c::http
