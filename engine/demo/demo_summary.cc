#include "engine/demo/demo_summary.h"

#include <cstdio>
#include <pqxx/pqxx>
#include <sstream>

namespace o2c::demo {

using Json = nlohmann::json;

namespace {

constexpr const char* kSettledStatuses =
    "('completed', 'cancelled', 'compensated', 'failed', 'closed', 'needs_attention')";

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string Num(long long n, size_t width) {
  std::string s = std::to_string(n);
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

Progress ReadProgress(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  pqxx::row r =
      tx.exec1(std::string("SELECT count(*) FILTER (WHERE type = 'order'),"
                           "       count(*) FILTER (WHERE type = 'order' AND status IN ") +
               kSettledStatuses +
               "),"
               "       count(*) FILTER (WHERE status = 'needs_attention'),"
               "       count(*) FILTER (WHERE status IN ('running', 'waiting')),"
               "       (SELECT count(*) FROM events WHERE processed_at IS NULL)"
               "  FROM workflows");
  return {r[0].as<long>(), r[1].as<long>(), r[2].as<long>(), r[3].as<long>(), r[4].as<long>()};
}

Json ReadSummary(const std::string& dsn, const Json& sim_stats) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  Json out;
  out["workflows"] = Json::object();
  for (const auto& r :
       tx.exec("SELECT type, status, count(*) FROM workflows GROUP BY 1, 2 ORDER BY 1, 2"))
    out["workflows"][r[0].c_str()][r[1].c_str()] = r[2].as<long>();
  out["activities"] = Json::object();
  long retries = 0;
  for (const auto& r :
       tx.exec("SELECT activity, count(*), count(*) FILTER (WHERE status = 'succeeded'),"
               "       coalesce(sum(greatest(attempt - 1, 0)), 0),"
               "       count(*) FILTER (WHERE status = 'dead'), count(*) FILTER (WHERE status = "
               "'failed')"
               "  FROM tasks GROUP BY 1 ORDER BY 1")) {
    out["activities"][r[0].c_str()] = {{"tasks", r[1].as<long>()},
                                       {"succeeded", r[2].as<long>()},
                                       {"retries", r[3].as<long>()},
                                       {"dead", r[4].as<long>()},
                                       {"failed", r[5].as<long>()}};
    retries += r[3].as<long>();
  }
  out["retries"] = retries;
  out["inbox"] = Json::object();
  for (const auto& r : tx.exec("SELECT verdict, count(*) FROM inbox GROUP BY 1 ORDER BY 1"))
    out["inbox"][r[0].c_str()] = r[1].as<long>();
  // Order-to-ERP lag: from the order's creation (its orders/create delivery) to the commit of
  // the step that recorded the ERP sales order.
  pqxx::row lag = tx.exec1(
      "SELECT count(*),"
      "       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), 0),"
      "       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), 0)"
      "  FROM (SELECT extract(epoch FROM min(t.at) - w.created_at) * 1000 AS ms"
      "          FROM workflows w JOIN transitions t ON t.workflow_id = w.id"
      "         WHERE w.type = 'order' AND t.from_state = 'creating_erp_order'"
      "           AND t.to_state <> 'creating_erp_order'"
      "         GROUP BY w.id, w.created_at) lags");
  out["order_to_erp_ms"] = {{"count", lag[0].as<long>()},
                            {"p50", static_cast<long>(lag[1].as<double>())},
                            {"p99", static_cast<long>(lag[2].as<double>())}};
  out["needs_attention"] = Json::array();
  for (const auto& r :
       tx.exec("SELECT id, type, business_key, state, coalesce(attention_reason, '') FROM workflows"
               " WHERE status = 'needs_attention' ORDER BY id LIMIT 10"))
    out["needs_attention"].push_back({{"workflow_id", r[0].as<long>()},
                                      {"type", r[1].c_str()},
                                      {"business_key", r[2].c_str()},
                                      {"state", r[3].c_str()},
                                      {"reason", r[4].c_str()}});
  out["needs_attention_count"] =
      tx.exec1("SELECT count(*) FROM workflows WHERE status = 'needs_attention'")[0].as<long>();
  out["sim"] = sim_stats;
  out["duplicates"] = sim_stats.is_object() ? sim_stats.value("duplicates", -1) : -1;
  return out;
}

std::string RenderSummary(const Json& s) {
  std::ostringstream out;
  out << "\nWorkflows by type and status\n";
  for (const auto& [type, statuses] : s["workflows"].items()) {
    out << "  " << Pad(type, 10);
    for (const auto& [status, n] : statuses.items())
      out << Pad(status + " " + std::to_string(n.get<long>()), 20);
    out << "\n";
  }
  out << "\nActivities                    tasks  succeeded  retries  dead  failed\n";
  for (const auto& [name, a] : s["activities"].items())
    out << "  " << Pad(name, 28) << Num(a["tasks"], 5) << Num(a["succeeded"], 11)
        << Num(a["retries"], 9) << Num(a["dead"], 6) << Num(a["failed"], 8) << "\n";
  out << "\nWebhook deliveries (inbox):  ";
  for (const auto& [verdict, n] : s["inbox"].items())
    out << verdict << " " << n.get<long>() << "   ";
  const Json& sim = s["sim"];
  out << "\nDownstream documents:        ";
  if (sim.is_object() && sim.contains("documents"))
    for (const auto& [kind, n] : sim["documents"].items()) out << kind << " " << n << "  ";
  out << "\nRepeats answered by idempotency key: "
      << (sim.is_object() ? sim.value("idempotent_repeats", 0) : 0)
      << "    duplicate documents created: " << s["duplicates"] << "\n";
  const Json& lag = s["order_to_erp_ms"];
  out << "Order-to-ERP lag: p50 " << lag["p50"] << " ms, p99 " << lag["p99"] << " ms (over "
      << lag["count"] << " orders)\n";
  out << "\nNeeds attention: " << s["needs_attention_count"] << "\n";
  for (const Json& w : s["needs_attention"])
    out << "  #" << w["workflow_id"] << "  " << Pad(w["type"].get<std::string>(), 9)
        << Pad(w["business_key"].get<std::string>(), 52) << Pad(w["state"].get<std::string>(), 18)
        << w["reason"].get<std::string>() << "\n";
  if (s["needs_attention_count"].get<long>() > 0)
    out << "  look closer:  o2c list --status needs_attention   ·   o2c trace <business key>\n";
  return out.str();
}

}  // namespace o2c::demo
