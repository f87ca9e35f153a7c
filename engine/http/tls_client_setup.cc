#include "engine/http/tls_client_setup.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace o2c::http::tls {

namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context> MakeClientContext(const std::string& ca_file, bool verify_peer) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  // Why pin the floor here rather than trust openssl.cnf: the client's guarantees should not
  // depend on the host's OpenSSL configuration; TLS 1.0/1.1 are deprecated (RFC 8996).
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(verify_peer ? ssl::verify_peer : ssl::verify_none);
  boost::system::error_code ec;
  context->set_default_verify_paths(ec);
  if (ec && verify_peer)
    throw std::invalid_argument("cannot use the system trust store: " + ec.message());
  if (!ca_file.empty()) {
    // Why open it first: OpenSSL's message for a missing file is "system lib"; errno names it.
    std::ifstream probe(ca_file);
    if (!probe)
      throw std::invalid_argument("cannot read the CA file '" + ca_file +
                                  "': " + std::strerror(errno));
    context->load_verify_file(ca_file, ec);
    if (ec)
      throw std::invalid_argument("the CA file '" + ca_file +
                                  "' holds no usable PEM certificate: " + ec.message());
  }
  // Why partial chains: a private bundle may hold an intermediate CA (or the server's own
  // certificate) rather than the root; trusting what the operator put in ca_file is the intent.
  X509_STORE_set_flags(SSL_CTX_get_cert_store(context->native_handle()), X509_V_FLAG_PARTIAL_CHAIN);
  // Why: pooled idle connections need not keep their 34 KB of read/write buffers.
  SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  return context;
}

std::string PrepareForHost(SSL* ssl, const std::string& host, bool verify_peer) {
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(host, not_an_address);
  const bool ip_literal = !not_an_address;
  if (!ip_literal && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    return "cannot set the TLS server name (SNI) to '" + host + "'";
  if (!verify_peer) return "";
  // Why OpenSSL's own check instead of an Asio verify callback: a mismatch then fails the
  // handshake with X509_V_ERR_HOSTNAME_MISMATCH / IP_ADDRESS_MISMATCH, which names the problem.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ip_literal) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1)
      return "cannot check the certificate against the address '" + host + "'";
    return "";
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) != 1)
    return "cannot check the certificate against the host name '" + host + "'";
  return "";
}

namespace {

// What to do about a rejected certificate, by OpenSSL's verify result.
std::string VerifyHint(long verify_result, const std::string& host) {
  switch (verify_result) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "the server's CA is not trusted: add it to the system trust store, or name a PEM "
             "bundle holding it in ca_file / O2C_<DOWNSTREAM>_CA_FILE / O2C_TLS_CA_FILE";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "the certificate is not issued for '" + host +
             "': use a host name the certificate lists, or fix the certificate";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "check the server's certificate dates and this machine's clock";
    default:
      return "";
  }
}

}  // namespace

std::string DescribeHandshakeFailure(SSL* ssl, const boost::system::error_code& ec,
                                     const std::string& host) {
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl != nullptr) {
      const long verify_result = SSL_get_verify_result(ssl);
      std::string text = "certificate verify failed: ";
      text += X509_verify_cert_error_string(verify_result);
      if (std::string hint = VerifyHint(verify_result, host); !hint.empty())
        text += " (" + hint + ")";
      return text;
    }
    // Why these reasons: they are what a ClientHello answered by a plain-HTTP server produces.
    if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG)
      return ec.message() + " (the server does not speak TLS on this port: is it plain http://?)";
  }
  if (ec == boost::asio::ssl::error::stream_truncated || ec == boost::asio::error::eof ||
      ec == boost::asio::error::connection_reset)
    return ec.message() +
           " (the server closed the connection during the handshake: it may not speak TLS on "
           "this port, or may reject this client's TLS versions or ciphers)";
  return ec.message();
}

}  // namespace o2c::http::tls
