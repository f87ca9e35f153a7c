// Operator API tokens (engine/ops/api_auth.h): parsing O2C_TOKENS and the 401/403 decisions.
#include <gtest/gtest.h>

#include "engine/digest.h"
#include "engine/ops/api_auth.h"

namespace o2c::ops {
namespace {

std::string Tokens() {
  return "alice:operator:" + Sha256Hex("alice-token") +
         " , victor:viewer:" + Sha256Hex("victor-token") + ",";
}

TEST(OpsAuth, ParsesNamesRolesAndHashes) {
  TokenTable t = TokenTable::Parse(Tokens());
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(TokenTable::Parse("").size(), 0u);
  EXPECT_EQ(TokenTable::Parse(" , ").size(), 0u);
  // Upper-case hex is accepted.
  std::string upper = Sha256Hex("x");
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(TokenTable::Parse("x:viewer:" + upper).size(), 1u);
}

TEST(OpsAuth, RefusesMalformedEntriesWithoutEchoingTheHash) {
  const std::string hash = Sha256Hex("t");
  for (const std::string& bad :
       {std::string("alice:operator"), "alice:admin:" + hash, ":viewer:" + hash,
        "al ice:viewer:" + hash, "alice:viewer:" + hash.substr(1), "alice:viewer:" + hash + "0",
        "alice:viewer:" + hash.substr(0, 63) + "g"}) {
    try {
      TokenTable::Parse(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("O2C_TOKENS entry 1"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find(hash.substr(0, 16)), std::string::npos) << e.what();
    }
  }
}

TEST(OpsAuth, DecidesByTokenAndRole) {
  TokenTable t = TokenTable::Parse(Tokens());
  AuthDecision d = t.Authorize("Bearer alice-token", Role::kOperator);
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.name, "alice");
  d = t.Authorize("Bearer victor-token", Role::kViewer);
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.name, "victor");
  d = t.Authorize("Bearer alice-token", Role::kViewer);
  EXPECT_TRUE(d.ok()) << "an operator may read";

  d = t.Authorize("Bearer victor-token", Role::kOperator);
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.error, "forbidden");
  EXPECT_EQ(d.name, "victor");
  EXPECT_EQ(d.message.find("victor-token"), std::string::npos);

  for (const char* header : {"", "Bearer", "Bearer ", "Basic YWxpY2U6eA==", "bearer alice-token",
                             "Bearer alice-token2", "Bearer alice-toke", "alice-token"}) {
    d = t.Authorize(header, Role::kViewer);
    EXPECT_EQ(d.status, 401) << header;
    EXPECT_EQ(d.error, "unauthorized") << header;
    EXPECT_TRUE(d.name.empty()) << header;
  }
  EXPECT_EQ(TokenTable().Authorize("Bearer alice-token", Role::kViewer).status, 401);
}

}  // namespace
}  // namespace o2c::ops
