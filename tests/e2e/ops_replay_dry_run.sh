#!/usr/bin/env bash
# `replay --dry-run` asks the downstream (GET /erp/idempotency/<key>) whether it already holds the
# document: after an ambiguous ERP failure (the sales order was created, the answer lost, the task
# dead after its one attempt) the dry run reports the sales order as present, and the real replay
# gets it back from the idempotency key instead of creating a second one. The operator API's dry
# runs (one action, a batch by selector) ask the same. Without O2C_ERP_URL the CLI's dry run says
# the downstream was not checked.
set -euo pipefail
o2c="$1"; name=replay_dry_run
source "$(dirname "$0")/lib/stack.sh"
export O2C_OPERATOR=e2e
export O2C_TOKENS="e2e:operator:$(printf op-secret | sha256sum | cut -d' ' -f1)"
start_sim '{"rules": [{"match": "POST /erp/sales-orders", "ambiguous_rate": 1.0}]}'
start_serve '{"activities": {"erp.create_sales_order": {"max_attempts": 1},
                             "*": {"backoff_base_ms": 50, "backoff_cap_ms": 500}}}'
"$o2c" submit-orders --count 1 --prefix replay >/dev/null

# The ambiguous failure: the ERP holds the order, we hold a dead task and an order needing us.
wait_sql "SELECT state || ' ' || status FROM workflows WHERE type = 'order'" \
  "needs_attention needs_attention" 60
order=$(q "SELECT id FROM workflows WHERE type = 'order'")
key=$(q "SELECT idempotency_key FROM tasks WHERE workflow_id = $order
           AND activity = 'erp.create_sales_order' AND status = 'dead'")
[ -n "$key" ] || fail "no dead erp.create_sales_order task: $(q "SELECT activity, status FROM tasks")"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 1 ] || fail "sim sales orders: $(sim_stat .documents)"
[ "$(sim_stat '.faults_injected.ambiguous')" = 1 ] || fail "ambiguous faults: $(sim_stat .faults_injected)"
# The ERP's own record of the key (the lookup the dry run makes, asked by hand).
record=$(curl -sf "$sim_url/erp/idempotency/$(jq -rn --arg k "$key" '$k | @uri')") \
  || fail "the sim has no record of $key"
document=$(jq -r '.body.sales_order_id' <<<"$record")
[ "$(jq -r '"\(.status) \(.path)"' <<<"$record")" = "200 /erp/sales-orders" ] && [ -n "$document" ] \
  || fail "the sim's record of $key: $record"
curl -sf -X DELETE "$sim_url/sim/faults" >/dev/null

# The dry run, as text and as JSON: the ERP already holds the sales order.
replay=(replay "$order" --from-state creating_erp_order --reason "ERP answer lost in INC-9")
out=$("$o2c" "${replay[@]}" --dry-run 2>&1) || fail "dry run failed (exit $?): $out"
grep -qF "erp.create_sales_order key $key: the ERP already holds $document — replay will get it back, not create a second one" <<<"$out" \
  || fail "dry run text does not report $document as present: $out"
json=$("$o2c" "${replay[@]}" --dry-run --json 2>&1) || fail "dry run --json failed: $json"
[ "$(jq -r '.calls[0] | "\(.call) \(.downstream) \(.downstream_document.sales_order_id)"' <<<"$json")" \
  = "erp.create_sales_order present $document" ] || fail "dry run JSON: $json"
# The operator API's dry runs ask too: one action, and a batch by selector.
api() { curl -sf -X POST "$serve_url$1" -H "Authorization: Bearer op-secret" -d "$2"; }
json=$(api "/api/workflows/$order/actions" '{"action": "replay", "from_state": "creating_erp_order",
  "reason": "API check", "dry_run": true}') || fail "API dry run failed"
[ "$(jq -r '.calls[0] | "\(.downstream) \(.downstream_document.sales_order_id)"' <<<"$json")" \
  = "present $document" ] || fail "API dry run: $json"
json=$(api /api/batches '{"action": "retry", "selector": {"activity": "erp.create_sales_order",
  "task_status": "dead"}, "reason": "API batch check"}') || fail "API batch dry run failed"
[ "$(jq -r '"\(.dry_run) \(.selected) \(.results[0].calls[0].downstream)"' <<<"$json")" \
  = "true 1 present" ] || fail "API batch dry run: $json"
[ "$(sim_stat '.requests["GET /erp/idempotency/{id}"]')" = 5 ] \
  || fail "lookups sent: $(sim_stat .requests)"
# The dry runs' audit rows record what the ERP said.
[ "$(q "SELECT count(*) FROM operator_actions WHERE workflow_id = $order AND action = 'replay'
          AND dry_run AND result->'calls'->0->>'downstream' = 'present'")" = 3 ] \
  || fail "dry-run rows: $(q "SELECT dry_run, result FROM operator_actions")"

# Without the ERP's URL nothing is asked, and the dry run says so.
out=$(env -u O2C_ERP_URL -u O2C_ROUTING_URL -u O2C_WMS_URL -u O2C_SHOPIFY_URL \
  "$o2c" "${replay[@]}" --dry-run 2>&1) || fail "dry run without URLs failed: $out"
grep -qF "erp.create_sales_order key $key: the ERP was not asked: O2C_ERP_URL is not set" <<<"$out" \
  || fail "dry run without O2C_ERP_URL: $out"
grep -qF '"downstream":"not checked"' <<<"$out" || fail "dry run without O2C_ERP_URL: $out"
[ "$(sim_stat '.requests["GET /erp/idempotency/{id}"]')" = 5 ] || fail "a lookup went out without URLs"
# Nothing was changed by the dry runs.
[ "$(q "SELECT status FROM tasks WHERE idempotency_key = '$key'")" = dead ] || fail "dry run changed the task"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 1 ] || fail "a dry run created a sales order"

# The real replay: the ERP answers the key with its first sales order; the order carries on.
out=$("$o2c" "${replay[@]}" 2>&1) || fail "replay failed: $out"
wait_sql "SELECT status FROM workflows WHERE id = $order" completed 90
[ "$(q "SELECT context->>'sales_order_id' FROM workflows WHERE id = $order")" = "$document" ] \
  || fail "the order's sales order: $(q "SELECT context FROM workflows WHERE id = $order")"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 1 ] || fail "sales orders: $(sim_stat .documents)"
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicates: $(sim_stat .duplicates)"
[ "$(sim_stat .idempotent_repeats)" -ge 1 ] || fail "the replay was not answered from the key"
[ "$(q "SELECT count(*) FROM operator_actions WHERE workflow_id = $order AND action = 'replay'
          AND NOT dry_run AND actor = 'operator:e2e'")" = 1 ] || fail "no replay row"
[ "$(q "SELECT count(*) FROM operator_actions WHERE workflow_id = $order AND dry_run")" = 4 ] \
  || fail "dry-run rows: $(q "SELECT count(*) FROM operator_actions WHERE dry_run")"
echo "replay dry run: the ERP held $document after the ambiguous failure; replay created no second one"
