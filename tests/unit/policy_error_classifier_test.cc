#include <gtest/gtest.h>

#include "activities/policy/error_classifier.h"

namespace o2c::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// Sun, 06 Nov 1994 08:49:37 GMT
system_clock::time_point Nov6_1994() {
  using namespace std::chrono;
  return sys_days(year(1994) / November / 6) + hours(8) + minutes(49) + seconds(37);
}

CallResult Erp(std::optional<int> status, TransportError transport = TransportError::kNone) {
  CallResult r;
  r.downstream = "ERP";
  r.method = "POST";
  r.path = "/erp/sales-orders";
  r.status = status;
  r.transport = transport;
  return r;
}

Classification ClassifyStatus(int status) { return Classify(Erp(status), Nov6_1994()); }

TEST(ErrorClassifier, SuccessFor2xx) {
  for (int status : {200, 201, 202, 204, 299}) {
    auto c = ClassifyStatus(status);
    EXPECT_EQ(c.kind, CallKind::kSuccess) << status;
    EXPECT_FALSE(c.retry_after);
  }
}

TEST(ErrorClassifier, ConflictFor409) {
  auto r = Erp(409);
  r.detail = "fulfillment F-1 already shipped";
  auto c = Classify(r, Nov6_1994());
  EXPECT_EQ(c.kind, CallKind::kConflict);
  EXPECT_EQ(c.reason,
            "409 from ERP POST /erp/sales-orders: Conflict: fulfillment F-1 already shipped");
}

TEST(ErrorClassifier, PermanentForOther4xxAnd3xx) {
  for (int status : {300, 301, 304, 400, 401, 403, 404, 405, 410, 413, 422, 451, 499}) {
    EXPECT_EQ(ClassifyStatus(status).kind, CallKind::kPermanent) << status;
  }
  auto r = Erp(422);
  r.detail = "unknown SKU ABC-1";
  r.retry_after = "5";  // ignored: repeating a rejected request does not help
  auto c = Classify(r, Nov6_1994());
  EXPECT_EQ(c.reason,
            "422 from ERP POST /erp/sales-orders: Unprocessable Content: unknown SKU ABC-1");
  EXPECT_FALSE(c.retry_after);
}

TEST(ErrorClassifier, TransientFor408And429AndGatewayErrors) {
  for (int status : {408, 429, 502, 503, 504}) {
    EXPECT_EQ(ClassifyStatus(status).kind, CallKind::kTransient) << status;
  }
  EXPECT_EQ(ClassifyStatus(503).reason, "503 from ERP POST /erp/sales-orders: Service Unavailable");
}

TEST(ErrorClassifier, TooManyRequestsHonoursRetryAfterSeconds) {
  auto r = Erp(429);
  r.retry_after = "2";
  auto c = Classify(r, Nov6_1994());
  EXPECT_EQ(c.kind, CallKind::kTransient);
  ASSERT_TRUE(c.retry_after);
  EXPECT_EQ(*c.retry_after, seconds(2));
  EXPECT_EQ(c.reason, "429 from ERP POST /erp/sales-orders: Too Many Requests (Retry-After 2s)");
}

TEST(ErrorClassifier, ServiceUnavailableHonoursRetryAfterDate) {
  auto r = Erp(503);
  r.retry_after = "Sun, 06 Nov 1994 08:50:07 GMT";
  auto c = Classify(r, Nov6_1994());
  ASSERT_TRUE(c.retry_after);
  EXPECT_EQ(*c.retry_after, seconds(30));
}

TEST(ErrorClassifier, GarbageRetryAfterIsIgnoredAndSaidSo) {
  auto r = Erp(429);
  r.retry_after = "soon";
  auto c = Classify(r, Nov6_1994());
  EXPECT_EQ(c.kind, CallKind::kTransient);
  EXPECT_FALSE(c.retry_after);
  EXPECT_NE(c.reason.find("Retry-After 'soon' ignored"), std::string::npos) << c.reason;
}

TEST(ErrorClassifier, ServerErrorIsPossiblySucceeded) {
  for (int status : {500, 501, 505, 507, 599}) {
    EXPECT_EQ(ClassifyStatus(status).kind, CallKind::kPossiblySucceeded) << status;
  }
  auto c = ClassifyStatus(500);
  EXPECT_EQ(c.reason.rfind("500 from ERP POST /erp/sales-orders: Internal Server Error", 0), 0u)
      << c.reason;
  EXPECT_NE(c.reason.find("same idempotency key"), std::string::npos) << c.reason;
}

TEST(ErrorClassifier, NonsenseStatusIsPossiblySucceeded) {
  for (int status : {0, 100, 101, 600, 999, -1}) {
    EXPECT_EQ(ClassifyStatus(status).kind, CallKind::kPossiblySucceeded) << status;
  }
}

TEST(ErrorClassifier, ErrorsBeforeSendAreTransient) {
  for (auto e : {TransportError::kConnectRefused, TransportError::kConnectTimeout,
                 TransportError::kDns, TransportError::kTls}) {
    auto c = Classify(Erp(std::nullopt, e), Nov6_1994());
    EXPECT_EQ(c.kind, CallKind::kTransient) << ToString(e);
    EXPECT_NE(c.reason.find("ERP POST /erp/sales-orders"), std::string::npos) << c.reason;
    EXPECT_NE(c.reason.find("nothing was sent"), std::string::npos) << c.reason;
  }
  EXPECT_EQ(Classify(Erp(std::nullopt, TransportError::kConnectRefused), Nov6_1994()).reason,
            "connection refused by ERP POST /erp/sales-orders (nothing was sent; will retry)");
}

TEST(ErrorClassifier, ErrorsAfterSendArePossiblySucceeded) {
  for (auto e : {TransportError::kReadTimeoutAfterSend, TransportError::kResetAfterSend}) {
    auto c = Classify(Erp(std::nullopt, e), Nov6_1994());
    EXPECT_EQ(c.kind, CallKind::kPossiblySucceeded) << ToString(e);
    EXPECT_NE(c.reason.find("document may exist"), std::string::npos) << c.reason;
  }
}

TEST(ErrorClassifier, TransportErrorWinsOverStatus) {
  auto c = Classify(Erp(200, TransportError::kResetAfterSend), Nov6_1994());
  EXPECT_EQ(c.kind, CallKind::kPossiblySucceeded);
}

TEST(ErrorClassifier, NoStatusNoErrorIsPossiblySucceeded) {
  auto c = Classify(Erp(std::nullopt), Nov6_1994());
  EXPECT_EQ(c.kind, CallKind::kPossiblySucceeded);
  EXPECT_NE(c.reason.find("no answer from ERP"), std::string::npos) << c.reason;
}

TEST(ErrorClassifier, ReasonWithoutTargetStillReads) {
  CallResult r;
  r.status = 503;
  EXPECT_EQ(Classify(r, Nov6_1994()).reason, "503 from the downstream: Service Unavailable");
  r.status = 598;
  EXPECT_EQ(Classify(r, Nov6_1994()).reason.rfind("598 from the downstream (", 0), 0u);
}

TEST(RetryAfter, DeltaSeconds) {
  auto now = Nov6_1994();
  EXPECT_EQ(ParseRetryAfter("0", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(ParseRetryAfter("  7\t", now), seconds(7));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", now), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("86401", now), kMaxRetryAfter);
}

TEST(RetryAfter, HttpDateForms) {
  auto now = Nov6_1994();
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), seconds(10));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:50:37 GMT", now), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:38 1994", now), seconds(1));
  EXPECT_EQ(ParseRetryAfter("Mon, 07 Nov 1994 08:49:37 GMT", now), std::chrono::hours(24));
  // Sub-second "now": the wait is rounded up so the retry is never early.
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now + milliseconds(1) / 2),
            milliseconds(10'000));
}

TEST(RetryAfter, HttpDateInThePastIsZero) {
  auto now = Nov6_1994();
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", now), milliseconds(0));
}

TEST(RetryAfter, FarFutureDateIsClamped) {
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", Nov6_1994()), kMaxRetryAfter);
}

TEST(RetryAfter, GarbageIsNullopt) {
  auto now = Nov6_1994();
  for (const char* bad :
       {"", "   ", "soon", "-5", "1.5", "5s", "0x10", "Sun, 06 Nov 1994 08:49:37",  // no GMT
        "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 31 Feb 1994 08:49:37 GMT",           // bad day
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49 1994",
        "Sun, 06 Nov 94 08:49:37 GMT"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, now)) << "'" << bad << "'";
  }
}

TEST(RetryAfter, TwoDigitYearFarInTheFutureMeansLastCentury) {
  // "99" read as 2099 would be more than 50 years after 2024: RFC 9110 says it is 1999.
  using namespace std::chrono;
  auto now = sys_days(year(2024) / January / 1) + hours(0);
  EXPECT_EQ(ParseRetryAfter("Friday, 31-Dec-99 23:59:59 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Tuesday, 02-Jan-24 00:00:00 GMT", now), hours(24));
}

TEST(ToOutcome, MapsEachKind) {
  activities::Json doc = {{"sales_order", "SO-1"}};
  auto ok = ToOutcome({CallKind::kSuccess, std::nullopt, "201 from ERP"}, doc);
  ASSERT_TRUE(std::holds_alternative<activities::Succeeded>(ok));
  EXPECT_EQ(std::get<activities::Succeeded>(ok).result, doc);

  auto permanent = ToOutcome({CallKind::kPermanent, std::nullopt, "422 from ERP"});
  ASSERT_TRUE(std::holds_alternative<activities::Permanent>(permanent));
  EXPECT_EQ(std::get<activities::Permanent>(permanent).reason, "422 from ERP");
  EXPECT_EQ(std::get<activities::Permanent>(permanent).error_class, "permanent");

  auto conflict = ToOutcome({CallKind::kConflict, std::nullopt, "409 from WMS"});
  ASSERT_TRUE(std::holds_alternative<activities::Permanent>(conflict));
  EXPECT_EQ(std::get<activities::Permanent>(conflict).error_class, "conflict");

  auto transient = ToOutcome({CallKind::kTransient, seconds(2), "429 from ERP"});
  ASSERT_TRUE(std::holds_alternative<activities::RetryAfter>(transient));
  EXPECT_EQ(std::get<activities::RetryAfter>(transient).delay, seconds(2));
  EXPECT_EQ(std::get<activities::RetryAfter>(transient).error, "429 from ERP");
  EXPECT_EQ(std::get<activities::RetryAfter>(transient).error_class, "transient");

  auto maybe = ToOutcome({CallKind::kPossiblySucceeded, std::nullopt, "500 from ERP"});
  ASSERT_TRUE(std::holds_alternative<activities::RetryAfter>(maybe));
  EXPECT_EQ(std::get<activities::RetryAfter>(maybe).delay, milliseconds(0));
  EXPECT_EQ(std::get<activities::RetryAfter>(maybe).error_class, "possibly_succeeded");
}

TEST(ToOutcome, EndToEndFromAResult) {
  auto r = Erp(429);
  r.retry_after = "3";
  auto outcome = ToOutcome(Classify(r, Nov6_1994()));
  ASSERT_TRUE(std::holds_alternative<activities::RetryAfter>(outcome));
  EXPECT_EQ(std::get<activities::RetryAfter>(outcome).delay, seconds(3));
}

TEST(ErrorClassifier, NamesAreStable) {
  EXPECT_EQ(ToString(CallKind::kPossiblySucceeded), "possibly_succeeded");
  EXPECT_EQ(ToString(CallKind::kConflict), "conflict");
  EXPECT_EQ(ToString(TransportError::kReadTimeoutAfterSend), "read_timeout_after_send");
  EXPECT_EQ(ReasonPhrase(503), "Service Unavailable");
  EXPECT_EQ(ReasonPhrase(599), "");
}

}  // namespace
}  // namespace o2c::policy
