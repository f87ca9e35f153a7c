#!/usr/bin/env bash
# A permanent WMS rejection after the ERP order exists: the ERP order is cancelled by compensation,
# the order ends `compensated`, and its history says why.
set -euo pipefail
o2c="$1"; name=wms_reject
source "$(dirname "$0")/lib/stack.sh"
start_sim '{"rules": [{"match": "POST /wms/fulfillments", "reject_rate": 1.0}]}'
start_serve
"$o2c" submit-orders --count 5 --prefix rejected >/dev/null
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'compensated'" 5 60
[ "$(q "SELECT count(*) FROM tasks WHERE activity = 'erp.cancel_sales_order' AND status = 'succeeded'
        AND compensates IS NOT NULL AND result->>'status' = 'cancelled'")" = 5 ] \
  || fail "the ERP orders were not cancelled by compensation"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 5 ] || fail "expected 5 ERP orders"
why="$(q "SELECT count(*) FROM workflows w JOIN tasks t ON t.workflow_id = w.id
          WHERE w.type = 'shipment' AND w.status = 'failed' AND t.activity = 'wms.create_fulfillment'
            AND t.status = 'failed' AND t.last_error LIKE '%422%'")"
[ "$why" = 5 ] || fail "the rejected fulfilments do not record the WMS's 422"
echo "WMS rejection: 5 orders compensated, 5 ERP orders cancelled, the 422 recorded"
