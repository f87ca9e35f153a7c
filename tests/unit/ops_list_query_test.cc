// List/search parameters and cursors (engine/ops/list_query.h), shared by `o2c list` and
// GET /api/workflows.
#include <gtest/gtest.h>

#include "engine/ops/list_query.h"

namespace o2c::ops {
namespace {

TEST(OpsListQuery, ParsesEveryFilter) {
  ListQuery q = ParseListQuery({{"type", "shipment"},
                                {"state", "awaiting_pick"},
                                {"status", "waiting"},
                                {"stuck", "true"},
                                {"older_than", "15m"},
                                {"q", "orders/1"},
                                {"limit", "20"},
                                {"cursor", "1800000000000000.42"}});
  EXPECT_EQ(q.type, "shipment");
  EXPECT_EQ(q.state, "awaiting_pick");
  EXPECT_EQ(q.status, "waiting");
  EXPECT_TRUE(q.stuck);
  EXPECT_EQ(q.older_than, std::chrono::seconds(900));
  EXPECT_EQ(q.q, "orders/1");
  EXPECT_EQ(q.limit, 20);
  ASSERT_TRUE(q.after);
  EXPECT_EQ(q.after->updated_at_micros, 1800000000000000);
  EXPECT_EQ(q.after->id, 42);
  ListQuery empty = ParseListQuery({{"type", ""}, {"stuck", "false"}});
  EXPECT_FALSE(empty.type);
  EXPECT_FALSE(empty.stuck);
  EXPECT_EQ(empty.limit, 50);
}

TEST(OpsListQuery, RefusesWithASentenceNamingTheParameter) {
  struct Case {
    std::map<std::string, std::string> params;
    std::string words;
  };
  for (const Case& c : std::vector<Case>{
           {{{"type", "invoice"}}, "type 'invoice'"},
           {{{"status", "stuck"}}, "status 'stuck'"},
           {{{"state", "flying"}}, "state 'flying'"},
           {{{"type", "refund"}, {"state", "awaiting_pick"}}, "not a state of type refund"},
           {{{"older_than", "15 min"}}, "older_than"},
           {{{"limit", "0"}}, "limit"},
           {{{"limit", "501"}}, "limit"},
           {{{"limit", "ten"}}, "limit"},
           {{{"stuck", "yes"}}, "stuck"},
           {{{"cursor", "12"}}, "cursor"},
           {{{"cursor", "a.b"}}, "cursor"},
           {{{"sort", "id"}}, "unknown parameter 'sort'"},
       }) {
    try {
      ParseListQuery(c.params);
      ADD_FAILURE() << c.words;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
    }
  }
}

TEST(OpsListQuery, CursorsRoundTrip) {
  ListCursor c{1'800'000'000'123'456, 987};
  ListCursor back = DecodeCursor(EncodeCursor(c));
  EXPECT_EQ(back.updated_at_micros, c.updated_at_micros);
  EXPECT_EQ(back.id, c.id);
}

}  // namespace
}  // namespace o2c::ops
