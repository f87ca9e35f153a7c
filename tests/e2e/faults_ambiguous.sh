#!/usr/bin/env bash
# 20% ambiguous failures (the document is created, the answer lost) on every mutating endpoint
# across 1,000 orders: every order completes, and the simulator holds no duplicate document.
set -euo pipefail
o2c="$1"; name=ambiguous
source "$(dirname "$0")/lib/stack.sh"
start_sim '{"rules": [{"match": "POST /", "ambiguous_rate": 0.2}]}'
start_serve '{"activities": {"*": {"max_attempts": 12, "backoff_base_ms": 50, "backoff_cap_ms": 1000}}}'
"$o2c" submit-orders --count 1000 --prefix ambiguous >/dev/null
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'" 1000 300
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicate documents: $(sim_stat .duplicates)"
[ "$(sim_stat '.faults_injected.ambiguous')" -gt 100 ] || fail "too few ambiguous failures injected"
[ "$(sim_stat .idempotent_repeats)" -gt 100 ] || fail "retries were not answered from idempotency keys"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 1000 ] || fail "sales orders: $(sim_stat '.documents')"
echo "ambiguous: 1000 orders, $(sim_stat '.faults_injected.ambiguous') lost answers, $(sim_stat .idempotent_repeats) repeats, 0 duplicates"
