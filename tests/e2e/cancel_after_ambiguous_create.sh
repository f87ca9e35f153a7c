#!/usr/bin/env bash
# A cancel that arrives while the ERP may or may not hold the order: the sales-order create failed
# after retries that may have reached the ERP (every answer lost), so the order is parked with its
# ERP order "unknown". Cancelling it then must not end as `cancelled` (the ERP could keep an order
# nobody cancels), nor wait forever in `cancelling` for an outcome that will never come: it stays
# parked (cancel_needs_erp_check) with the cancel kept. The operator's replay from
# creating_erp_order asks the ERP under the same key; the ERP answers with the order it holds,
# and the order cancels it: 1 sales order, cancelled once, 0 duplicates.
set -euo pipefail
o2c="$1"; name=cancel_unknown
source "$(dirname "$0")/lib/stack.sh"
export O2C_OPERATOR=e2e
start_sim '{"rules": [{"match": "POST /erp/sales-orders", "ambiguous_rate": 1.0}]}'
start_serve '{"activities": {"erp.create_sales_order": {"max_attempts": 1}}}'
"$o2c" submit-orders --count 1 --prefix unknown >/dev/null
wait_sql "SELECT state || ' ' || coalesce(context->>'erp_order', '-') FROM workflows
           WHERE type = 'order'" "needs_attention unknown" 60
order=$(q "SELECT id FROM workflows WHERE type = 'order'")
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 1 ] || fail "sim sales orders: $(sim_stat .documents)"

out=$("$o2c" cancel "$order" --reason "customer cancelled in Shopify" 2>&1) || fail "cancel: $out"
wait_sql "SELECT state || ' ' || attention_reason || ' ' || (context->>'cancel_requested')
            FROM workflows WHERE id = $order" "needs_attention cancel_needs_erp_check true" 30
sleep 1  # nothing else may happen: no cancel call without a sales order id
[ "$(q "SELECT state FROM workflows WHERE id = $order")" = needs_attention ] || fail "the order moved on"
[ "$(sim_stat '.requests["POST /erp/sales-orders/{id}/cancel"] // 0')" = 0 ] \
  || fail "a cancel went out: $(sim_stat .requests)"

curl -sf -X DELETE "$sim_url/sim/faults" >/dev/null
out=$("$o2c" replay "$order" --from-state creating_erp_order --reason "ask the ERP" 2>&1) \
  || fail "replay: $out"
wait_sql "SELECT status FROM workflows WHERE id = $order" cancelled 60
[ "$(q "SELECT context->>'erp_order' FROM workflows WHERE id = $order")" = cancelled ] \
  || fail "erp_order: $(q "SELECT context FROM workflows WHERE id = $order")"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 1 ] || fail "sales orders: $(sim_stat .documents)"
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicates: $(sim_stat .duplicates)"
[ "$(sim_stat '.requests["POST /erp/sales-orders/{id}/cancel"]')" = 1 ] \
  || fail "cancel calls: $(sim_stat .requests)"
[ "$(q "SELECT count(*) FROM workflows WHERE type = 'shipment'")" = 0 ] \
  || fail "shipments were started for a cancelled order"
echo "cancel with the ERP order unknown: held, then the replay found SO and cancelled it once"
