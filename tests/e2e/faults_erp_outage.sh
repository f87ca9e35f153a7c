#!/usr/bin/env bash
# ERP down for 30 s while 500 orders arrive: the breaker opens, tasks wait without burning their
# attempts, and after recovery all 500 complete with exactly 500 ERP sales orders.
set -euo pipefail
o2c="$1"; name=erp_outage
source "$(dirname "$0")/lib/stack.sh"
start_sim '{"rules": [{"match": "POST /erp", "outage": {"start_in_s": 0, "duration_s": 30}}]}'
start_serve '{"downstreams": {"erp": {"breaker": {"failures": 5, "open_for_ms": 2000}}},
              "activities": {"*": {"max_attempts": 6, "backoff_base_ms": 200, "backoff_cap_ms": 2000}}}'
"$o2c" submit-orders --count 500 --prefix outage >/dev/null
sleep 20
[ "$(orders_done)" = 0 ] || fail "orders completed while the ERP was down"
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'" 500 150
[ "$(q "SELECT count(*) FROM tasks WHERE status IN ('dead', 'failed')")" = 0 ] || fail "tasks died"
# While open, calls are refused in the engine: the ERP saw only the probes and the calls that
# opened the breaker, not 500 tasks x 6 attempts.
refused="$(sim_stat '.faults_injected.outage')"
[ "$refused" -lt 150 ] || fail "the ERP answered $refused calls during the outage: the breaker did not hold them"
attempts="$(q "SELECT string_agg(n || ' at attempt ' || attempt, ', ') FROM (SELECT attempt, count(*) n FROM tasks WHERE activity LIKE 'erp.%' GROUP BY 1 ORDER BY 1) a")"
# Why 4 and not 3: ~15 half-open probes in the outage, each a random one of ~500 waiting tasks,
# make some task the probe three times in a few runs in a thousand even when the choice is fair,
# and one fresh-clone run did (attempts 1483 at 1, 16 at 2, 1 at 4). Six would mean a task died.
[ "$(q "SELECT max(attempt) FROM tasks WHERE activity LIKE 'erp.%'")" -le 4 ] || fail "erp tasks burned attempts: $attempts"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 500 ] || fail "sales orders: $(sim_stat '.documents')"
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicate documents"
echo "ERP outage: 500 orders completed, $refused calls refused by the ERP while down, 500 sales orders"
