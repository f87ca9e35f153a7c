// A small HTTP/1.1 server: Boost.Beast + Asio behind a Beast-free interface (this header).
//
// One session per connection, keep-alive, a deadline before every read and write, and limits on
// body size (413), header size (431) and concurrent connections (the excess get a 503 and are
// closed). Malformed requests get a 400 JSON error and the connection is closed; nothing a client
// sends can crash the process. The handler runs on an io thread and may block it (the simulators
// sleep to inject latency), so size `threads` for the blocking you expect.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/http/http_message.h"

namespace o2c::http {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";            // HOST:PORT; port 0 binds an ephemeral port
  int threads = 2;                                  // io_context threads
  std::chrono::milliseconds io_timeout{10'000};     // deadline for each read and each write
  std::size_t body_limit = 1 << 20;                 // bytes; larger -> 413
  std::size_t header_limit = 16 * 1024;             // bytes; larger -> 431
  int max_connections = 256;                        // beyond: 503 and close
  std::chrono::milliseconds shutdown_grace{5'000};  // Stop() waits this long for busy connections
};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1:8080", "[::1]:0", "localhost:80". Throws std::invalid_argument.
ListenAddress ParseListenAddress(const std::string& listen);

class HttpServer {
 public:
  // Does not bind; Start() does. Throws std::invalid_argument on a bad listen address.
  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the io threads. Throws std::runtime_error when the address cannot
  // be bound. Call once.
  void Start();
  // Graceful: stops accepting, closes idle connections, lets requests in progress write their
  // answers (up to `shutdown_grace`), then stops and joins the io threads (a handler still
  // running past the grace is waited for, its answer is not sent). Idempotent.
  void Stop();

  // The bound port (useful with port 0). REQUIRES: Start() returned.
  uint16_t port() const;
  // "HOST:PORT" as bound.
  std::string address() const;
  int active_connections() const;

  struct Impl;  // opaque: the Beast state lives in http_server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace o2c::http
