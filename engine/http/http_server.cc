// The only translation unit that includes Boost.Beast. Follows the Beast "advanced server"
// examples: a strand per connection, one `Session` object per connection, `expires_after` before
// every asynchronous read and write.
#include "engine/http/http_server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace o2c::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

ListenAddress ParseListenAddress(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw std::invalid_argument("listen address must be HOST:PORT, got '" + listen + "'");
  ListenAddress out;
  out.host = listen.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host == "localhost") out.host = "127.0.0.1";
  std::string port = listen.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("bad port in listen address '" + listen + "'");
  int value = std::stoi(port);
  if (value > 65535) throw std::invalid_argument("port out of range in '" + listen + "'");
  out.port = static_cast<uint16_t>(value);
  boost::system::error_code ec;
  net::ip::make_address(out.host, ec);
  if (ec) throw std::invalid_argument("bad host in listen address '" + listen + "'");
  return out;
}

class Session;

struct HttpServer::Impl {
  // Why this member order: sessions still queued in the io_context are destroyed with it and
  // decrement `active`, so everything they touch is declared before `ioc`.
  HttpServerOptions options;
  Handler handler;
  ListenAddress address;
  std::atomic<int> active{0};
  std::atomic<bool> stopping{false};
  std::mutex sessions_mu;
  std::map<Session*, std::weak_ptr<Session>> sessions;  // GUARDED_BY(sessions_mu)
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  bool started = false;
  bool stopped = false;
  uint16_t bound_port = 0;

  void DoAccept();
};

namespace {

// A fixed answer for errors found before a request exists (parse errors, too many connections).
std::string JsonErrorBody(const std::string& code, const std::string& message) {
  return JsonResponse(0, nlohmann::json{{"error", code}, {"message", message}}).body;
}

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {
    ++server_->active;
  }
  ~Session() {
    {
      std::lock_guard lock(server_->sessions_mu);
      server_->sessions.erase(this);
    }
    --server_->active;
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  void Run() {
    {
      std::lock_guard lock(server_->sessions_mu);
      server_->sessions[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Graceful stop: an idle connection (waiting for a request) is closed now; a busy one closes
  // after writing its answer. Runs on the session's strand.
  void CloseIfIdle() {
    if (!busy_) DoClose();
  }

 private:
  void DoRead() {
    busy_ = false;
    if (server_->stopping) return DoClose();
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.header_limit));
    stream_.expires_after(server_->options.io_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return DoClose();
    if (ec == bhttp::error::header_limit)
      return SendError(
          bhttp::status::request_header_fields_too_large, "header_too_large",
          "request headers exceed " + std::to_string(server_->options.header_limit) + " bytes");
    if (ec == bhttp::error::body_limit)
      return SendError(
          bhttp::status::payload_too_large, "body_too_large",
          "request body exceeds " + std::to_string(server_->options.body_limit) + " bytes");
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
      return SendError(bhttp::status::bad_request, "malformed_request", ec.message());
    if (ec) return DoClose();  // timeout, reset, eof before any byte: nobody to answer
    busy_ = true;

    auto& req = parser_->get();
    HeaderMap headers;
    for (const auto& field : req)
      headers[std::string(field.name_string())] = std::string(field.value());
    HttpRequest request = MakeRequest(std::string(req.method_string()), std::string(req.target()),
                                      std::move(headers), std::move(req.body()));
    HttpResponse response;
    try {
      response = server_->handler(request);
    } catch (const std::exception& e) {
      response = ErrorResponse(500, "internal", e.what());
    } catch (...) {
      response = ErrorResponse(500, "internal", "unknown error");
    }
    if (response.drop_connection) return DoClose();

    res_ = {};
    res_.version(req.version());
    res_.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) res_.set(name, value);
    if (response.headers.find("Content-Type") == response.headers.end())
      res_.set(bhttp::field::content_type, "application/json");
    res_.keep_alive(req.keep_alive());
    res_.body() = std::move(response.body);
    res_.prepare_payload();
    DoWrite(!req.keep_alive());
  }

  void SendError(bhttp::status status, const std::string& code, const std::string& message) {
    busy_ = true;
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(bhttp::field::content_type, "application/json");
    res_.keep_alive(false);
    res_.body() = JsonErrorBody(code, message);
    res_.prepare_payload();
    DoWrite(/*close=*/true);
  }

  void DoWrite(bool close) {
    stream_.expires_after(server_->options.io_timeout);
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::OnWrite, shared_from_this(), close));
  }

  void OnWrite(bool close, beast::error_code ec, std::size_t) {
    if (ec || close || server_->stopping) return DoClose();
    DoRead();
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  bool busy_ = false;  // between a complete request and the end of its answer's write
};

void HttpServer::Impl::DoAccept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      if (active.load() >= options.max_connections) {
        // Why a blocking write: ~150 bytes into a fresh socket's empty send buffer never blocks.
        static const std::string kBusy = [] {
          std::string body = JsonErrorBody("too_many_connections", "try again later");
          return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                 "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
        }();
        beast::error_code ignored;
        net::write(socket, net::buffer(kBusy), ignored);
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), this)->Run();
      }
    }
    DoAccept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(new Impl) {
  impl_->address = ParseListenAddress(options.listen);
  if (options.threads < 1) options.threads = 1;
  if (options.max_connections < 1) options.max_connections = 1;
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->started) throw std::logic_error("HttpServer::Start called twice");
  impl_->started = true;
  tcp::endpoint endpoint(net::ip::make_address(impl_->address.host), impl_->address.port);
  beast::error_code ec;
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + impl_->options.listen + ": " + ec.message());
  impl_->bound_port = acceptor.local_endpoint().port();
  impl_->DoAccept();
  for (int i = 0; i < impl_->options.threads; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void HttpServer::Stop() {
  std::lock_guard lock(impl_->stop_mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  // Graceful: stop accepting, close idle connections, let busy ones finish their answer (up to
  // `shutdown_grace`), then stop the io threads. A handler still running is waited for by join().
  impl_->stopping = true;
  net::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard sessions_lock(impl_->sessions_mu);
    for (auto& [raw, weak] : impl_->sessions)
      if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  for (auto& session : live) net::post(session->executor(), [session] { session->CloseIfIdle(); });
  // Why outside sessions_mu: ours may be the last reference, and ~Session takes that mutex.
  live.clear();
  auto deadline = std::chrono::steady_clock::now() + impl_->options.shutdown_grace;
  while (impl_->active.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);  // no io thread runs any more: safe to touch directly
}

uint16_t HttpServer::port() const { return impl_->bound_port; }

std::string HttpServer::address() const {
  std::string host = impl_->address.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(port());
}

int HttpServer::active_connections() const { return impl_->active.load(); }

}  // namespace o2c::http
