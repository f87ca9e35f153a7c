#!/usr/bin/env bash
# The operations CLI as a person runs it (`o2c trace|list|show|<action>|runbook`), against a
# database of its own: the documented exit codes (0 done, 1 not found, 2 usage, 4 refused in the
# workflow's state) and the rows each action writes — or does not write when refused.
set -euo pipefail
o2c="$1"
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
db="o2c_e2e_ops_$$"
admin() { psql "$O2C_TEST_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE DATABASE $db"
trap 'admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
export O2C_DATABASE_URL="$O2C_TEST_DATABASE_URL dbname=$db"
export O2C_RUNBOOKS="$repo/ops/runbooks"
sql() { psql "$O2C_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
passed=0; failed=0
check() {  # NAME CONDITION-EXIT-CODE MESSAGE
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: $3"; fi
}
run() { set +e; out=$("$o2c" "$@" 2>&1); code=$?; set -e; }

"$o2c" migrate >/dev/null
"$o2c" submit-orders --count 2 --prefix e2e >/dev/null
# An order held for an unmapped SKU and a shipment waiting on the warehouse, as the runtime
# would have left them.
held=$(sql "INSERT INTO workflows (type, business_key, state, status, attention_reason, context,
              correlation_id, created_at, updated_at)
            VALUES ('order', 'demo.myshopify.com/orders/held-1', 'on_hold', 'needs_attention',
              'unmapped_sku', '{\"business_key\": \"demo.myshopify.com/orders/held-1\",
              \"attempt\": 1, \"attention_reason\": \"unmapped_sku\", \"order\": {\"id\": \"77\",
              \"lines\": [{\"id\": \"771\", \"sku\": \"NEW-SKU\", \"quantity\": 1}]}}', 'c-held',
              now() - interval '1 hour', now() - interval '1 hour') RETURNING id" | head -1)
waiting=$(sql "INSERT INTO workflows (type, business_key, state, status, context, correlation_id,
                 created_at, updated_at)
               VALUES ('shipment', 'demo.myshopify.com/orders/held-2/shipments/1', 'awaiting_pick',
                 'waiting', '{}', 'c-ship', now() - interval '4 days', now() - interval '4 days')
               RETURNING id" | head -1)

run trace demo.myshopify.com/e2e-1
[ "$code" = 0 ] && grep -q "start (waiting)" <<<"$out" && grep -q "event order_received from webhook:shopify to be applied" <<<"$out"
check "trace shows what a new order waits for" $? "exit $code: $out"
run trace demo.myshopify.com/e2e-1 --json
[ "$code" = 0 ] && python3 -c 'import json,sys; t=json.load(sys.stdin); assert t["root"]["type"]=="order"' <<<"$out"
check "trace --json is the trace document" $? "exit $code: $out"
run trace demo.myshopify.com/no-such-order
[ "$code" = 1 ] && grep -q "nothing matches" <<<"$out"
check "trace of nothing exits 1" $? "exit $code: $out"

run list --type order --json
[ "$code" = 0 ] && [ "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["workflows"]))' <<<"$out")" = 3 ]
check "list --type order" $? "exit $code: $out"
run list --stuck
[ "$code" = 0 ] && grep -q "STUCK: needs attention: unmapped_sku" <<<"$out" && grep -q "awaiting_pick" <<<"$out"
check "list --stuck" $? "exit $code: $out"
run list --type invoice
[ "$code" = 2 ] && grep -q "type 'invoice'" <<<"$out"
check "list with a bad filter exits 2" $? "exit $code: $out"

run release "$held" --as alice
[ "$code" = 2 ] && grep -q "needs a reason" <<<"$out"
check "an action without --reason exits 2" $? "exit $code: $out"
run retry "$held" --reason "try" --as alice
[ "$code" = 4 ] && grep -q "refused" <<<"$out" && [ "$(sql 'SELECT count(*) FROM operator_actions')" = 0 ]
check "a refused action exits 4 and writes nothing" $? "exit $code: $out"
run release "$held" --reason "mapped NEW-SKU" --as alice --dry-run --json
[ "$code" = 0 ] && grep -q '"call": "erp.resolve_items"' <<<"$out" && [ "$(sql "SELECT count(*) FROM events WHERE event = 'release'")" = 0 ]
check "release --dry-run lists the call and queues nothing" $? "exit $code: $out"
run release "$held" --reason "mapped NEW-SKU" --as alice
[ "$code" = 0 ] \
  && [ "$(sql "SELECT actor || ' ' || event FROM transitions WHERE workflow_id = $held ORDER BY seq DESC LIMIT 1")" = "operator:alice operator_release" ] \
  && [ "$(sql "SELECT source FROM events WHERE workflow_id = $held AND event = 'release'")" = "operator:alice" ] \
  && [ "$(sql "SELECT actor || ' ' || reason FROM operator_actions WHERE workflow_id = $held AND NOT dry_run")" = "operator:alice mapped NEW-SKU" ]
check "release writes the transition, the event and the audit row" $? "exit $code: $out"
run escalate 999999 --reason "x" --as alice
[ "$code" = 1 ] && grep -q "no workflow 999999" <<<"$out"
check "an unknown workflow exits 1" $? "exit $code: $out"

run runbook list
[ "$code" = 0 ] && [ "$(grep -c . <<<"$out")" = 4 ] && grep -q "^erp-outage-recovery" <<<"$out"
check "runbook list" $? "exit $code: $out"
run runbook show overdue-shipment-escalation
[ "$code" = 0 ] && grep -q "BEFORE running" <<<"$out"
check "runbook show prints the procedure" $? "exit $code: $out"
run runbook run overdue-shipment-escalation --reason "INC-7" --as bob --dry-run
[ "$code" = 0 ] && grep -q "DRY RUN" <<<"$out" && [ "$(sql "SELECT status FROM workflows WHERE id = $waiting")" = waiting ]
check "runbook run --dry-run changes nothing" $? "exit $code: $out"
run runbook run overdue-shipment-escalation --reason "INC-7" --as bob
[ "$code" = 0 ] && [ "$(sql "SELECT status FROM workflows WHERE id = $waiting")" = needs_attention ] \
  && [ "$(sql "SELECT count(*) FROM operator_actions WHERE workflow_id IS NULL AND actor = 'operator:bob'")" = 2 ] \
  && [ "$(sql "SELECT actor FROM operator_actions WHERE workflow_id = $waiting")" = "runbook:overdue-shipment-escalation" ]
check "runbook run escalates and audits the run and the workflow" $? "exit $code: $out"
run runbook run no-such-runbook --reason x --as bob
[ "$code" = 2 ] && grep -q "no runbook" <<<"$out"
check "an unknown runbook exits 2" $? "exit $code: $out"

# Batch form: one action on every workflow a selector matches, audited as one run.
run batch escalate --select '{"type": "order", "state": ["start"]}' --reason "INC-8" --as carol --dry-run
[ "$code" = 0 ] && grep -q "DRY RUN batch escalate" <<<"$out" && grep -q "2 selected" <<<"$out" \
  && [ "$(sql "SELECT count(*) FROM workflows WHERE type = 'order' AND state = 'start' AND status = 'needs_attention'")" = 0 ]
check "batch --dry-run selects and changes nothing" $? "exit $code: $out"
run batch escalate --select '{"type": "order", "state": ["start"]}' --reason "INC-8" --as carol
[ "$code" = 0 ] && grep -q "2 done" <<<"$out" \
  && [ "$(sql "SELECT count(*) FROM workflows WHERE type = 'order' AND state = 'start' AND status = 'needs_attention'")" = 2 ] \
  && [ "$(sql "SELECT count(*) FROM operator_actions WHERE action = 'batch' AND workflow_id IS NULL AND actor = 'operator:carol' AND NOT dry_run")" = 1 ] \
  && [ "$(sql "SELECT count(*) FROM operator_actions a JOIN operator_actions r ON r.id = (a.params->>'run_id')::bigint
               WHERE a.action = 'escalate' AND a.actor = 'operator:carol' AND r.action = 'batch'")" = 2 ]
check "batch escalates each match under the operator's name and audits one run" $? "exit $code: $out"
run batch retry --select '{"sku": "X"}' --reason "x" --as carol
[ "$code" = 2 ] && grep -q "unknown field 'sku'" <<<"$out"
check "a batch with a bad selector exits 2" $? "exit $code: $out"

echo "ops_cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
