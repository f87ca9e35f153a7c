#!/usr/bin/env bash
# The ERP-outage runbook with real processes: a long ERP outage dead-letters 100 orders (no
# breaker, two attempts), then `o2c runbook run erp-outage-recovery` brings all 100 to completion
# with no duplicate document, and operator_actions shows one audited run (plus one row per
# workflow it retried).
set -euo pipefail
o2c="$1"; name=runbook
source "$(dirname "$0")/lib/stack.sh"
runbooks="$(cd "$(dirname "$0")/../../ops/runbooks" && pwd)"
start_sim '{"rules": [{"match": "POST /erp", "outage": {"start_in_s": 0, "duration_s": 20}}]}'
start_serve '{"downstreams": {"erp": {"breaker": {"enabled": false}}},
              "activities": {"*": {"max_attempts": 2, "backoff_base_ms": 100, "backoff_cap_ms": 200}}}'
"$o2c" submit-orders --count 100 --prefix outage >/dev/null
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'needs_attention'" 100 60
[ "$(q "SELECT count(*) FROM tasks WHERE activity LIKE 'erp.%' AND status = 'dead'")" = 100 ] \
  || fail "expected 100 dead ERP tasks"
# The runbook takes workflows parked for at least a minute (its selector's min_age), after the
# ERP is back.
sleep 62
"$o2c" runbook run erp-outage-recovery --reason "ERP back after INC-7" --as oncall \
  --dir "$runbooks" >"$tmp/run.out" || fail "runbook run failed: $(cat "$tmp/run.out")"
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'" 100 120
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicate documents: $(sim_stat .duplicates)"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 100 ] || fail "sales orders: $(sim_stat '.documents')"
[ "$(q "SELECT count(*) FROM operator_actions WHERE workflow_id IS NULL AND action = 'runbook'
        AND actor = 'operator:oncall' AND NOT dry_run AND reason = 'ERP back after INC-7'")" = 1 ] \
  || fail "no single audited runbook run"
[ "$(q "SELECT count(*) FROM operator_actions WHERE workflow_id IS NOT NULL AND action = 'retry'
        AND actor = 'runbook:erp-outage-recovery'")" = 100 ] || fail "expected 100 audited retries"
echo "runbook: 100 dead-lettered orders completed after erp-outage-recovery, 0 duplicates, 1 audited run"
