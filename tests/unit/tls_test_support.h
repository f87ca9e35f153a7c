// Shared by TLS tests: a throwaway CA and server certificates made in memory with the OpenSSL 3
// API (nothing shipped in the repository, no `openssl` CLI), a tiny Beast TLS server on
// 127.0.0.1:0 that echoes each request as JSON and counts TCP connections, finished handshakes,
// requests and the SNI names it was sent, and a temporary file for a CA bundle.
//
// TlsTestServer answers every request 200 with {"method", "target", "body", "idempotency_key",
// "connection": the 1-based TCP connection it came on}. Its counters may be read from any thread.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace o2c::testing {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// ---- Certificates, made with the OpenSSL 3 API ----

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

inline KeyPtr NewKey() {
  return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
}

inline void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  ASSERT_NE(ext, nullptr) << "extension " << OBJ_nid2sn(nid) << "=" << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A CA certificate when `issuer` is null (self-signed with `key`), else a server certificate for
// `subject_alt_names` ("DNS:localhost,IP:127.0.0.1") signed by `issuer`/`issuer_key`.
inline CertPtr MakeCertificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                               EVP_PKEY* issuer_key, const std::string& subject_alt_names = "") {
  static std::atomic<long> serial{1};
  CertPtr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  const bool is_ca = issuer == nullptr;
  X509* signer = is_ca ? cert.get() : issuer;
  AddExtension(cert.get(), signer, NID_basic_constraints,
               is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExtension(cert.get(), signer, NID_key_usage,
               is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (!is_ca) {
    AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    AddExtension(cert.get(), signer, NID_subject_alt_name, subject_alt_names);
  }
  EXPECT_GT(X509_sign(cert.get(), is_ca ? key : issuer_key, EVP_sha256()), 0);
  return cert;
}

template <class Write>
inline std::string ToPem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  EXPECT_EQ(write(bio.get()), 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

inline std::string CertPem(X509* cert) {
  return ToPem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}
inline std::string KeyPem(EVP_PKEY* key) {
  return ToPem([key](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

struct ServerIdentity {
  std::string cert_pem;  // the leaf only: the client must find the CA on its own
  std::string key_pem;
};

// A throwaway CA and the server identities it signs.
struct TestCa {
  KeyPtr key = NewKey();
  CertPtr cert = MakeCertificate(key.get(), "o2c test CA", nullptr, nullptr);
  std::string pem = CertPem(cert.get());

  ServerIdentity Issue(const std::string& subject_alt_names) const {
    KeyPtr server_key = NewKey();
    CertPtr server = MakeCertificate(server_key.get(), "o2c test server", cert.get(), key.get(),
                                     subject_alt_names);
    return {CertPem(server.get()), KeyPem(server_key.get())};
  }
};

// ---- A tiny Beast TLS server ----

enum class ServerMode {
  kServe,                 // handshake, then answer requests on a keep-alive connection
  kNeverHandshake,        // accept TCP, then never answer the ClientHello
  kCloseAfterEachAnswer,  // answer with keep-alive, then close the TCP connection anyway
};

class TlsTestServer {
 public:
  explicit TlsTestServer(const ServerIdentity& identity, ServerMode mode = ServerMode::kServe)
      : mode_(mode) {
    context_.use_certificate_chain(net::buffer(identity.cert_pem));
    context_.use_private_key(net::buffer(identity.key_pem), ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    net::co_spawn(ioc_, AcceptLoop(), [](std::exception_ptr) {});
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TlsTestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::string Url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(acceptor_.local_endpoint().port());
  }
  int accepted() const { return accepted_; }
  int handshakes() const { return handshakes_; }
  int requests() const { return requests_; }
  std::vector<std::string> server_names() const {
    std::lock_guard lock(mu_);
    return server_names_;
  }

 private:
  net::awaitable<void> AcceptLoop() {
    while (true) {
      tcp::socket socket = co_await acceptor_.async_accept(net::use_awaitable);
      // Why: the handshake ends in small server writes (session tickets); with Nagle they wait
      // for the client's delayed ACK (~40 ms) and the tests would measure that, not the client.
      socket.set_option(tcp::no_delay(true));
      const int connection = ++accepted_;
      if (mode_ == ServerMode::kNeverHandshake) {
        stalled_.push_back(std::move(socket));  // held open, never read
        continue;
      }
      net::co_spawn(ioc_, Serve(std::move(socket), connection), [](std::exception_ptr) {});
    }
  }

  net::awaitable<void> Serve(tcp::socket socket, int connection) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), context_);
    co_await stream.async_handshake(ssl::stream_base::server, net::use_awaitable);
    ++handshakes_;
    {
      const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      std::lock_guard lock(mu_);
      server_names_.push_back(sni ? sni : "");
    }
    beast::flat_buffer buffer;
    while (true) {
      bhttp::request<bhttp::string_body> request;
      co_await bhttp::async_read(stream, buffer, request, net::use_awaitable);
      ++requests_;
      nlohmann::json echo = {{"method", std::string(request.method_string())},
                             {"target", std::string(request.target())},
                             {"body", request.body()},
                             {"idempotency_key", std::string(request["Idempotency-Key"])},
                             {"connection", connection}};
      bhttp::response<bhttp::string_body> response(bhttp::status::ok, request.version());
      response.set(bhttp::field::content_type, "application/json");
      response.keep_alive(true);
      response.body() = echo.dump();
      response.prepare_payload();
      co_await bhttp::async_write(stream, response, net::use_awaitable);
      if (mode_ == ServerMode::kCloseAfterEachAnswer) {
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both);
        co_return;
      }
    }
  }

  const ServerMode mode_;
  // Why this order: the sessions (owned by ioc_'s pending work) use context_, so it outlives
  // ioc_; acceptor_ and stalled_ are I/O objects of ioc_, so they go before it.
  ssl::context context_{ssl::context::tls_server};
  net::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  std::vector<tcp::socket> stalled_;  // only touched on the server thread
  std::atomic<int> accepted_{0}, handshakes_{0}, requests_{0};
  mutable std::mutex mu_;
  std::vector<std::string> server_names_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

// A file holding `text`, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("o2c_tls_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".pem");
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace o2c::testing
