// The client side of the HTTP transport. Follows the Beast client examples, made synchronous the
// way Beast recommends for timeouts: every operation is asynchronous with `expires_at` set before
// it, and the calling thread runs the connection's own io_context until the operation completes.
// A connection (its io_context, stream and buffer) is used by one thread at a time: it is either
// checked out by a Send() or idle in the pool. An https:// connection is a Beast ssl_stream over
// the same tcp_stream, so the deadlines (set on the TCP layer) cover the handshake and every TLS
// record too.
#include "engine/http/http_client.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engine/http/tls_client_setup.h"

namespace o2c::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using policy::TransportError;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kMaxResponseBody = 64ull << 20;  // bytes

struct Url {
  std::string host;
  std::string port;
  std::string prefix;  // path prefix without a trailing '/', may be ""
  bool tls = false;
};

Url ParseBaseUrl(const std::string& base_url) {
  Url url;
  std::string_view rest = base_url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    url.tls = true;
  } else {
    throw std::invalid_argument("base URL must start with http:// or https://, got '" + base_url +
                                "'");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.prefix = std::string(rest.substr(slash));
  while (!url.prefix.empty() && url.prefix.back() == '/') url.prefix.pop_back();
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [::1]:8090
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      throw std::invalid_argument("bad host in base URL '" + base_url + "'");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        throw std::invalid_argument("bad host in base URL '" + base_url + "'");
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) throw std::invalid_argument("no host in base URL '" + base_url + "'");
  if (port.empty()) port = url.tls ? "443" : "80";
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
    throw std::invalid_argument("bad port in base URL '" + base_url + "'");
  url.host = std::string(host);
  url.port = std::string(port);
  return url;
}

// Runs one asynchronous operation to completion on `ioc` (which nothing else runs).
template <class Start>
beast::error_code RunOp(net::io_context& ioc, Start start) {
  beast::error_code result = net::error::operation_aborted;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

std::chrono::milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// FNV-1a 64 followed by the splitmix64 finalizer, so similar inputs give unrelated ids.
std::uint64_t Hash64(std::string_view salt, std::string_view a, std::string_view b = {}) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;  // separator: ("ab", "c") and ("a", "bc") differ
    h *= 0x100000001b3ull;
  };
  mix(salt);
  mix(a);
  mix(b);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

std::string Hex16(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 0xf];
  return out;
}

}  // namespace

std::string TraceParent(std::string_view correlation_id, std::string_view span_seed) {
  std::uint64_t hi = Hash64("o2c-trace-hi", correlation_id);
  std::uint64_t lo = Hash64("o2c-trace-lo", correlation_id);
  if (hi == 0 && lo == 0) lo = 1;  // an all-zero trace id is invalid
  std::uint64_t span = Hash64("o2c-span", correlation_id, span_seed);
  if (span == 0) span = 1;  // an all-zero span id is invalid
  return "00-" + Hex16(hi) + Hex16(lo) + "-" + Hex16(span) + "-01";
}

policy::CallResult ToCallResult(const HttpCallResult& result, const HttpRequest& request,
                                std::string downstream) {
  policy::CallResult out;
  out.downstream = std::move(downstream);
  out.method = request.method;
  out.path = request.path.empty() ? request.target : request.path;
  out.transport = result.error;
  if (result.error != TransportError::kNone) {
    out.detail = result.detail;
    return out;
  }
  if (!result.response) return out;  // no status, no error: the classifier's "unusable answer"
  out.status = result.response->status;
  auto retry_after = result.response->headers.find("retry-after");
  if (retry_after != result.response->headers.end()) out.retry_after = retry_after->second;
  nlohmann::json body = nlohmann::json::parse(result.response->body, nullptr, false);
  if (body.is_object()) {
    auto message = body.find("message");
    if (message != body.end() && message->is_string()) out.detail = message->get<std::string>();
  }
  return out;
}

struct Connection {
  // Why this order: the stream is destroyed before the io_context it was made with.
  net::io_context ioc{1};
  std::optional<beast::tcp_stream> plain;                   // http://: exactly one of these two
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;  // https://
  beast::flat_buffer buffer;

  Connection(bool use_tls, ssl::context* tls_context) {
    if (use_tls) {
      tls.emplace(ioc, *tls_context);
    } else {
      plain.emplace(ioc);
    }
  }

  // The TCP layer: where deadlines are set and the socket lives.
  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Calls `op(stream)` with the stream HTTP is spoken over (the TLS one for https://).
  template <class Op>
  beast::error_code OnStream(Op op) {
    return tls ? op(*tls) : op(*plain);
  }
};

struct HttpClient::Impl {
  HttpClientOptions options;
  std::atomic<int> opened{0};
  // Why made once and lazily: building it loads the system trust store (~25 ms), which a client
  // that only speaks http:// should not pay. Shared by every TLS connection of this client
  // (OpenSSL allows concurrent use of one SSL_CTX). Outlives the pooled connections: declared
  // before `idle`, so destroyed after it.
  std::once_flag tls_once;
  std::unique_ptr<ssl::context> tls_context;
  std::string tls_context_error;  // why tls_context is null after tls_once ran

  mutable std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // GUARDED_BY(mu)

  void MakeTlsContext() {
    tls_context = tls::MakeClientContext(options.ca_file, options.verify_peer);
  }

  // The TLS context, made on first use; null with `error` set when it cannot be made.
  ssl::context* TlsContext(std::string& error) {
    std::call_once(tls_once, [this] {
      try {
        MakeTlsContext();
      } catch (const std::exception& e) {
        tls_context_error = e.what();
      }
    });
    error = tls_context_error;
    return tls_context.get();
  }

  // A pooled connection the peer has not closed, or null.
  std::unique_ptr<Connection> TakeIdle(const std::string& key) {
    while (true) {
      std::unique_ptr<Connection> conn;
      {
        std::lock_guard lock(mu);
        auto it = idle.find(key);
        if (it == idle.end() || it->second.empty()) return nullptr;
        conn = std::move(it->second.back());  // most recently used: least likely to be stale
        it->second.pop_back();
      }
      if (StillOpen(*conn)) return conn;
    }
  }

  void ReturnIdle(const std::string& key, std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu);
    auto& list = idle[key];
    if (list.size() < options.max_idle_per_host) list.push_back(std::move(conn));
  }

  // An idle keep-alive connection is usable when nothing can be read from it: a readable socket
  // means the peer closed it (EOF), reset it, or sent something unsolicited. For TLS, bytes
  // OpenSSL already holds (a close_notify alert, say) count as readable too.
  static bool StillOpen(Connection& conn) {
    tcp::socket& socket = conn.tcp().socket();
    if (!socket.is_open() || conn.buffer.size() != 0) return false;
    if (conn.tls) {
      SSL* ssl = conn.tls->native_handle();
      if (SSL_has_pending(ssl) == 1 || BIO_ctrl_pending(SSL_get_rbio(ssl)) != 0) return false;
    }
    beast::error_code ec;
    socket.non_blocking(true, ec);
    if (ec) return false;
    char byte;
    socket.receive(net::buffer(&byte, 1), tcp::socket::message_peek, ec);
    bool open = ec == net::error::would_block;
    socket.non_blocking(false, ec);
    return open && !ec;
  }

  // A fresh connection (TLS handshake done for https://), or the reason there is none
  // (result.error/detail set).
  std::unique_ptr<Connection> Connect(const Url& url, Clock::time_point deadline,
                                      HttpCallResult& result) {
    ssl::context* tls_context = nullptr;
    if (url.tls) {
      std::string error;
      tls_context = TlsContext(error);
      if (tls_context == nullptr) {
        result.error = TransportError::kTls;
        result.detail = "TLS is not usable: " + error;
        return nullptr;
      }
    }
    auto conn = std::make_unique<Connection>(url.tls, tls_context);
    tcp::resolver resolver(conn->ioc);
    tcp::resolver::results_type endpoints;
    beast::error_code ec = RunOp(conn->ioc, [&](auto handler) {
      resolver.async_resolve(
          url.host, url.port,
          [&endpoints, handler](beast::error_code e, tcp::resolver::results_type r) mutable {
            endpoints = std::move(r);
            handler(e);
          });
    });
    if (ec) {
      result.error = TransportError::kDns;
      result.detail = "resolving " + url.host + ": " + ec.message();
      return nullptr;
    }
    auto connect_deadline = std::min(deadline, Clock::now() + options.connect_timeout);
    conn->tcp().expires_at(connect_deadline);
    ec = RunOp(conn->ioc, [&](auto handler) { conn->tcp().async_connect(endpoints, handler); });
    if (ec) {
      result.error = ec == beast::error::timeout ? TransportError::kConnectTimeout
                                                 : TransportError::kConnectRefused;
      result.detail = "connecting to " + url.host + ":" + url.port + ": " + ec.message();
      return nullptr;
    }
    ++opened;
    beast::error_code ignored;
    conn->tcp().socket().set_option(tcp::no_delay(true), ignored);
    if (conn->tls && !Handshake(*conn, url, connect_deadline, result)) return nullptr;
    return conn;
  }

  // The client side of the TLS handshake, within the connect deadline. Nothing of the request
  // has been sent when it fails, so every failure is kTls with request_sent still false.
  bool Handshake(Connection& conn, const Url& url, Clock::time_point connect_deadline,
                 HttpCallResult& result) {
    const std::string peer = url.host + ":" + url.port;
    std::string error =
        tls::PrepareForHost(conn.tls->native_handle(), url.host, options.verify_peer);
    if (error.empty()) {
      conn.tcp().expires_at(connect_deadline);
      beast::error_code ec = RunOp(conn.ioc, [&](auto handler) {
        conn.tls->async_handshake(ssl::stream_base::client, handler);
      });
      if (ec == beast::error::timeout) {
        error =
            "timed out (the server accepted the TCP connection but did not complete the "
            "handshake within the connect/request deadline)";
      } else if (ec) {
        error = tls::DescribeHandshakeFailure(conn.tls->native_handle(), ec, url.host);
      }
    }
    if (error.empty()) return true;
    result.error = TransportError::kTls;
    result.detail = "TLS handshake with " + peer + " failed: " + error;
    return false;
  }
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  // Why eagerly when a CA file is named: a bad file is a configuration error, and it should
  // surface when the client is made (at startup), not on the first https call. An exception
  // leaves tls_once unset; the constructor throws, so nothing calls it again.
  if (!impl_->options.ca_file.empty())
    std::call_once(impl_->tls_once, [this] { impl_->MakeTlsContext(); });
}

HttpClient::~HttpClient() = default;

int HttpClient::connections_opened() const { return impl_->opened.load(); }

int HttpClient::idle_connections() const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (const auto& [key, list] : impl_->idle) n += list.size();
  return static_cast<int>(n);
}

HttpCallResult HttpClient::Send(const std::string& base_url, const HttpRequest& request,
                                std::string_view idempotency_key, std::string_view traceparent) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + impl_->options.request_timeout;
  HttpCallResult result;
  Url url = ParseBaseUrl(base_url);

  std::string target = url.prefix + (request.target.empty() ? request.path : request.target);
  if (target.empty() || target.front() != '/') target.insert(target.begin(), '/');
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method.empty() ? std::string("GET") : request.method);
  req.target(target);
  req.version(11);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  bool default_port = url.port == (url.tls ? "443" : "80");
  bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  req.set(bhttp::field::host, default_port ? host : host + ":" + url.port);
  req.set(bhttp::field::user_agent, "o2c");
  if (!request.body.empty() && req.find(bhttp::field::content_type) == req.end())
    req.set(bhttp::field::content_type, "application/json");
  if (!idempotency_key.empty()) req.set("Idempotency-Key", idempotency_key);
  if (!traceparent.empty()) req.set("traceparent", traceparent);
  req.keep_alive(true);
  req.body() = request.body;
  req.prepare_payload();

  // Why the scheme is part of the key: an http:// and an https:// connection to one host:port
  // are not interchangeable.
  const std::string key = (url.tls ? "https://" : "http://") + url.host + ":" + url.port;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn = attempt == 0 ? impl_->TakeIdle(key) : nullptr;
    bool reused = conn != nullptr;
    if (!conn) {
      conn = impl_->Connect(url, deadline, result);
      if (!conn) break;
    }

    conn->tcp().expires_at(deadline);
    beast::error_code ec = conn->OnStream([&](auto& stream) {
      return RunOp(conn->ioc, [&](auto handler) { bhttp::async_write(stream, req, handler); });
    });
    if (ec) {
      // The request did not fully leave: the downstream cannot have acted on it.
      if (reused && attempt == 0 && ec != beast::error::timeout) continue;  // stale keep-alive
      result.error = ec == beast::error::timeout ? TransportError::kConnectTimeout
                                                 : TransportError::kConnectRefused;
      result.detail = "sending the request (not sent): " + ec.message();
      break;
    }
    result.request_sent = true;

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    if (request.method == "HEAD") parser.skip(true);
    conn->tcp().expires_at(deadline);
    ec = conn->OnStream([&](auto& stream) {
      return RunOp(conn->ioc,
                   [&](auto handler) { bhttp::async_read(stream, conn->buffer, parser, handler); });
    });
    if (ec) {
      result.error = ec == beast::error::timeout ? TransportError::kReadTimeoutAfterSend
                                                 : TransportError::kResetAfterSend;
      result.detail = "reading the response (request was sent): " + ec.message();
      break;
    }

    bhttp::response<bhttp::string_body> res = parser.release();
    HttpResponse response;
    response.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      auto [it, inserted] = response.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    response.body = std::move(res.body());
    result.response = std::move(response);
    if (res.keep_alive()) {
      conn->tcp().expires_never();
      impl_->ReturnIdle(key, std::move(conn));
    }
    break;
  }
  result.duration = Since(start);
  return result;
}

}  // namespace o2c::http
