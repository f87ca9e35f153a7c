// The Postgres channel that tells `o2c serve` processes new work exists (LISTEN/NOTIFY).
//
// Writers outside a serve's own loops — operator actions (CLI or API), runbook runs,
// `submit-orders`, a serve stopping gracefully (the tasks it gave back) — NOTIFY it after queuing
// work, with payload = the workflow id the work belongs to, or "" for "look everywhere". Every
// serve LISTENs (worker_pool.h) and wakes the loop that owns the workflow. A notification is only a
// hint: it is delivered at commit, may be missed while a listener reconnects, and is never needed
// for correctness — the work is in the tables, and an idle loop looks at least every few seconds.
//
// Why not NOTIFY from every step: Postgres serialises the commits of notifying transactions on one
// lock held through the WAL flush, which would undo group commit on the hot path. The loops of the
// process that committed a step pick its work up themselves (worker_pool.h).
#pragma once

namespace o2c {

inline constexpr const char* kWorkChannel = "o2c_work";
// $1 = payload (a workflow id in decimal, or "").
inline constexpr const char* kNotifyWorkSql = "SELECT pg_notify('o2c_work', $1)";

}  // namespace o2c
