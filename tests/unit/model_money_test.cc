// Money: exact decimal parsing per ISO 4217 exponent, formatting, JSON, PII hashing.
#include <gtest/gtest.h>

#include <limits>

#include "workflows/model/hash.h"
#include "workflows/model/money.h"

namespace o2c::workflows::model {
namespace {

std::int64_t Minor(std::string_view text, std::string_view currency) {
  auto m = ParseMoney(text, currency);
  EXPECT_TRUE(m.ok()) << text << " " << currency << ": " << (m.ok() ? "" : m.error().message);
  return m.ok() ? m.value().amount_minor : -424242;
}

TEST(MoneyTest, ParsesExactlyPerCurrencyExponent) {
  EXPECT_EQ(Minor("199.00", "USD"), 19900);
  EXPECT_EQ(Minor("0.1", "USD"), 10);
  EXPECT_EQ(Minor("0.29", "EUR"), 29);  // 0.29 * 100 in binary floating point is 28.999...
  EXPECT_EQ(Minor("1000", "JPY"), 1000);
  EXPECT_EQ(Minor("1000.00", "JPY"), 1000);
  EXPECT_EQ(Minor("1.250", "KWD"), 1250);
  EXPECT_EQ(Minor("1.25", "KWD"), 1250);
  EXPECT_EQ(Minor("-5.5", "USD"), -550);
  EXPECT_EQ(Minor("+7", "USD"), 700);
  EXPECT_EQ(Minor("92233720368547758.07", "USD"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(Minor("-92233720368547758.08", "USD"), std::numeric_limits<std::int64_t>::min());
}

TEST(MoneyTest, RejectsInexactOrMalformed) {
  for (auto [text, currency] :
       std::vector<std::pair<const char*, const char*>>{{"0.005", "USD"},
                                                        {"1.5", "JPY"},
                                                        {"1.0001", "KWD"},
                                                        {"", "USD"},
                                                        {".5", "USD"},
                                                        {"5.", "USD"},
                                                        {"1e3", "USD"},
                                                        {"1,000.00", "USD"},
                                                        {" 1.00", "USD"},
                                                        {"--1", "USD"},
                                                        {"92233720368547758.08", "USD"},
                                                        {"99999999999999999999999", "JPY"},
                                                        {"1.00", "usd"},
                                                        {"1.00", "US"},
                                                        {"NaN", "USD"},
                                                        {"0x10", "USD"}}) {
    EXPECT_FALSE(ParseMoney(text, currency).ok()) << text << " " << currency;
  }
}

TEST(MoneyTest, ExponentsAndFormatting) {
  EXPECT_EQ(CurrencyExponent("USD"), 2);
  EXPECT_EQ(CurrencyExponent("JPY"), 0);
  EXPECT_EQ(CurrencyExponent("KWD"), 3);
  EXPECT_EQ(CurrencyExponent("CLF"), 4);
  EXPECT_EQ(CurrencyExponent("usd"), -1);
  EXPECT_EQ(FormatDecimal({19900, "USD"}), "199.00");
  EXPECT_EQ(FormatDecimal({-5, "USD"}), "-0.05");
  EXPECT_EQ(FormatDecimal({1000, "JPY"}), "1000");
  EXPECT_EQ(FormatDecimal({1250, "KWD"}), "1.250");
  EXPECT_EQ(FormatDecimal({std::numeric_limits<std::int64_t>::min(), "USD"}),
            "-92233720368547758.08");
  for (const char* s : {"0.01", "123456.78", "-3.10"}) {
    EXPECT_EQ(FormatDecimal(ParseMoney(s, "USD").value()), s);
  }
}

TEST(MoneyTest, JsonRoundTrip) {
  const Money m{12345, "EUR"};
  const nlohmann::json j = m;
  EXPECT_EQ(j, (nlohmann::json{{"amount_minor", 12345}, {"currency", "EUR"}}));
  EXPECT_EQ(j.get<Money>(), m);
}

TEST(HashTest, Sha256AndNormalization) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashPii(" Bob@Example.COM \n"), HashPii("bob@example.com"));
  EXPECT_EQ(HashPii("bob@example.com"), Sha256Hex("bob@example.com"));
  EXPECT_EQ(HashPii("   "), "");
  EXPECT_EQ(HashPii(""), "");
}

}  // namespace
}  // namespace o2c::workflows::model
