#!/usr/bin/env bash
# The worker pool (engine/worker_pool.h) as real processes:
#  1. an idle `serve` does not poll: its loops park until work is due (counted on /metrics);
#  2. work queued by another process starts at once: `submit-orders` NOTIFYs, serve LISTENs, with
#     loops told to look on their own only every 30 s;
#  3. SIGTERM is graceful: calls in flight finish, leased tasks not yet started are given back
#     unattempted (no lease is left to expire), and a new serve completes every order with no
#     duplicate document;
#  4. the tasks a stopping serve gives back are announced: another serve, parked for up to 60 s,
#     runs them at once.
set -euo pipefail
o2c="$1"; name=worker_pool
source "$(dirname "$0")/lib/stack.sh"
start_sim
metric() {  # the value of one series on serve's /metrics, 0 when absent
  curl -sf "$serve_url/metrics" | awk -v s="$1" '$1 == s {print $2; found=1} END {if (!found) print 0}'
}

# --- 1 and 2: idle, then woken from another process ---
serve_flags="--threads 4 --max-idle-ms 30000"
start_serve
sleep 1  # the start-up rounds
before="$(metric 'o2c_worker_rounds_total{result="idle"}')"
busy_before="$(metric 'o2c_worker_rounds_total{result="busy"}')"
sleep 5
idle_rounds=$(( $(metric 'o2c_worker_rounds_total{result="idle"}') - before ))
busy_rounds=$(( $(metric 'o2c_worker_rounds_total{result="busy"}') - busy_before ))
# Polling every 1-50 ms (the old loops) would be >= 400 rounds here; parked loops run none.
[ "$idle_rounds" -le 8 ] || fail "an idle serve ran $idle_rounds empty rounds in 5 s (it polls)"
[ "$busy_rounds" = 0 ] || fail "an idle serve ran $busy_rounds busy rounds with nothing queued"

"$o2c" submit-orders --count 1 --prefix wake >/dev/null
lag_ms=""
for _ in $(seq 100); do  # up to 10 s: without a wake the loops would look after 30 s
  lag_ms="$(q "SELECT (extract(epoch FROM min(t.at) - min(e.created_at)) * 1000)::int
                 FROM workflows w JOIN events e ON e.workflow_id = w.id
                 JOIN transitions t ON t.workflow_id = w.id
                WHERE w.business_key LIKE '%/orders/wake-1'")"
  [ -n "$lag_ms" ] && break
  sleep 0.1
done
[ -n "$lag_ms" ] || fail "the submitted order was never stepped"
[ "$lag_ms" -lt 1000 ] || fail "the first step came $lag_ms ms after the event (LISTEN did not wake)"
[ "$(metric o2c_worker_notifications_total)" -ge 1 ] || fail "no NOTIFY reached serve"
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'" 1 30
echo "idle: $idle_rounds empty rounds in 5 s; another process's order stepped after $lag_ms ms"

# --- 3: SIGTERM with calls in flight ---
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
curl -sf -X POST "$sim_url/sim/faults" -d \
  '{"rules": [{"match": "POST /erp/sales-orders", "latency_ms": [1500, 1500]}]}' >/dev/null
serve_flags="--threads 2 --lease-ms 120000"
start_serve
"$o2c" submit-orders --count 20 --prefix term >/dev/null
wait_sql "SELECT count(*) >= 4 FROM tasks WHERE activity = 'erp.create_sales_order'
           AND status = 'leased'" t 30
stopped_at=$SECONDS
kill -TERM "$serve_pid"
for _ in $(seq 100); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$serve_pid" 2>/dev/null && fail "serve still running 10 s after SIGTERM"
wait "$serve_pid" 2>/dev/null || true
took=$((SECONDS - stopped_at))
grep -q "o2c serve: stopped" "$tmp/serve.log" || fail "serve did not stop cleanly"
[ "$(q "SELECT count(*) FROM tasks WHERE status = 'leased'")" = 0 ] ||
  fail "leases left behind by a graceful stop: $(q "SELECT id, activity, attempt FROM tasks WHERE status = 'leased'")"
# Given back, not burned: leased (so it has an owner) but uncounted, since the ERP never saw it.
unstarted="$(q "SELECT count(*) FROM tasks WHERE activity = 'erp.create_sales_order'
                  AND status = 'pending' AND attempt = 0 AND lease_owner IS NOT NULL")"
[ "$unstarted" -ge 2 ] || fail "expected leased-but-unstarted tasks given back with attempt 0"
# With 120 s leases a stranded lease would stall this far beyond the deadline.
start_serve
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'" 21 90
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicate documents: $(sim_stat .duplicates)"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 21 ] || fail "sales orders: $(sim_stat .documents)"
echo "SIGTERM: stopped within ${took} s, $unstarted unstarted tasks given back; all 21 orders completed"

# --- 4: another serve, parked, hears of the tasks a stopping one gave back ---
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
curl -sf -X POST "$sim_url/sim/faults" -d \
  '{"rules": [{"match": "POST /erp/sales-orders", "latency_ms": [2000, 2000]}]}' >/dev/null
serve_flags="--threads 1 --lease-ms 120000"
start_serve
"$o2c" submit-orders --count 4 --prefix handover >/dev/null
handover_leased="SELECT count(*) FROM tasks t JOIN workflows w ON w.id = t.workflow_id
                  WHERE w.business_key LIKE '%/orders/handover-%'
                    AND t.activity = 'erp.create_sales_order' AND t.status = 'leased'"
wait_sql "$handover_leased" 4 30  # one loop holds all four: one call in flight, three waiting
"$o2c" serve --listen off --activities http --threads 2 --lease-ms 120000 --max-idle-ms 60000 \
  >>"$tmp/serve_b.log" 2>&1 &
pids+=($!)
sleep 2  # its start-up rounds find nothing due (all leased for 120 s) and park for up to 60 s
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
stopped_at=$SECONDS
# Given back unattempted, then taken by the parked serve: without the announcement they would sit
# due until its park ran out.
wait_sql "SELECT count(*) FROM tasks WHERE activity = 'erp.create_sales_order'
           AND status = 'pending' AND attempt = 0" 0 5
picked_up=$((SECONDS - stopped_at))
# (The parked serve takes no webhooks, so these orders stop at fulfilling: enough here.)
wait_sql "SELECT count(*) FROM tasks WHERE activity = 'erp.create_sales_order'
           AND status = 'succeeded'" 25 30
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicate documents: $(sim_stat .duplicates)"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 25 ] || fail "sales orders: $(sim_stat .documents)"
echo "handover: tasks given back at stop were taken by a parked serve within ${picked_up} s"
