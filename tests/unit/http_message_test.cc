#include "engine/http/http_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engine/http/http_server.h"

namespace o2c::http {
namespace {

TEST(HttpMessageTest, HeadersAreCaseInsensitive) {
  HttpRequest req = MakeRequest("POST", "/x", {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(req.Header("idempotency-key"), "k1");
  EXPECT_EQ(req.Header("IDEMPOTENCY-KEY"), "k1");
  EXPECT_EQ(req.Header("missing"), "");
  HeaderMap headers;
  headers["content-type"] = "a";
  headers["Content-Type"] = "b";
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers["CONTENT-TYPE"], "b");
}

TEST(HttpMessageTest, MakeRequestSplitsPathAndQuery) {
  HttpRequest req = MakeRequest("GET", "/erp/credit-memos?since=2026-01-01T00%3A00%3A00Z&x=a+b&y");
  EXPECT_EQ(req.path, "/erp/credit-memos");
  EXPECT_EQ(req.Query("since"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(req.Query("x"), "a b");
  EXPECT_EQ(req.Query("y"), "");
  EXPECT_EQ(req.Query("absent"), "");
  EXPECT_EQ(MakeRequest("GET", "/plain").query.size(), 0u);
}

TEST(HttpMessageTest, UrlDecodeKeepsMalformedEscapes) {
  EXPECT_EQ(UrlDecode("a%20b"), "a b");
  EXPECT_EQ(UrlDecode("100%"), "100%");
  EXPECT_EQ(UrlDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(ParseQuery("&&a=1&&a=2").at("a"), "2");
}

TEST(HttpMessageTest, ErrorResponseHasTheProjectShape) {
  HttpResponse res = ErrorResponse(413, "body_too_large", "too big");
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.headers.at("content-type"), "application/json");
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["error"], "body_too_large");
  EXPECT_EQ(body["message"], "too big");
  EXPECT_FALSE(res.drop_connection);
}

TEST(HttpServerTest, ParsesListenAddresses) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:8080").port, 8080);
  EXPECT_EQ(ParseListenAddress("127.0.0.1:0").port, 0);
  EXPECT_EQ(ParseListenAddress("localhost:1").host, "127.0.0.1");
  EXPECT_EQ(ParseListenAddress("[::1]:9").host, "::1");
  for (const char* bad : {"", "8080", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8x",
                          "nohost.example:80", "1.2.3.4:-1"})
    EXPECT_THROW(ParseListenAddress(bad), std::invalid_argument) << bad;
}

TEST(HttpServerTest, ConstructorRejectsBadAddressAndStopWithoutStartIsSafe) {
  EXPECT_THROW(HttpServer({.listen = "nope"}, [](const HttpRequest&) { return HttpResponse{}; }),
               std::invalid_argument);
  HttpServer server({.listen = "127.0.0.1:0"}, [](const HttpRequest&) { return HttpResponse{}; });
  server.Stop();
  server.Stop();
}

}  // namespace
}  // namespace o2c::http
