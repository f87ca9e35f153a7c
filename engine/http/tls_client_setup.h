// The TLS half of HttpClient's https:// support, kept apart from the HTTP exchange: building the
// OpenSSL client context, preparing one connection for the host it dials, and turning a failed
// handshake into a sentence an operator can act on. Internal to engine/http: only
// http_client.cc and tls_client_setup.cc include it (Asio's SSL headers stay out of the public
// http_client.h).
//
// MakeClientContext: TLS 1.2 or newer. With `verify_peer` the peer's chain must lead to a CA in
// the system trust store (OpenSSL's default paths) or in `ca_file` (PEM, added to the system
// store, not replacing it). Without `verify_peer` nothing about the peer is checked (tests and
// development only). Throws std::invalid_argument naming `ca_file` when it cannot be read or
// holds no certificate: a configuration error, reported when the client is made.
//
// PrepareForHost: on a fresh stream, before its handshake: sends SNI for a DNS name (never for
// an IP literal, RFC 6066 3) and, with `verify_peer`, requires the certificate to name `host`
// (DNS name, or IP address for an IP literal) -- OpenSSL then fails the handshake on a mismatch.
// Returns "" on success, else why the stream could not be prepared.
//
// DescribeHandshakeFailure: "certificate verify failed: <OpenSSL's reason> (<what to do>)" when
// the peer's certificate was rejected, a hint when the peer does not seem to speak TLS, else the
// Asio/OpenSSL message. Never empty.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

namespace o2c::http::tls {

std::unique_ptr<boost::asio::ssl::context> MakeClientContext(const std::string& ca_file,
                                                             bool verify_peer);

std::string PrepareForHost(SSL* ssl, const std::string& host, bool verify_peer);

std::string DescribeHandshakeFailure(SSL* ssl, const boost::system::error_code& ec,
                                     const std::string& host);

}  // namespace o2c::http::tls
