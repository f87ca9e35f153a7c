#!/usr/bin/env bash
# kill -9 of `serve` while downstream calls are in flight (every call takes 20-80 ms): after
# restarts every order completes and the simulator holds no duplicate document.
set -euo pipefail
o2c="$1"; name=kill9_http
source "$(dirname "$0")/lib/stack.sh"
start_sim '{"rules": [{"match": "*", "latency_ms": [20, 80]}]}'
serve_flags="--lease-ms 1500"
start_serve
"$o2c" submit-orders --count 300 --prefix crash >/dev/null
RANDOM=11
for k in 1 2 3 4; do
  sleep "1.$((RANDOM % 9))"
  kill -9 "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  start_serve
done
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'" 300 240
[ "$(sim_stat .duplicates)" = 0 ] || fail "duplicate documents after kill -9: $(sim_stat .duplicates)"
[ "$(sim_stat '.documents["erp.sales_orders"]')" = 300 ] || fail "sales orders: $(sim_stat '.documents')"
shipments="$(q "SELECT count(*) FROM workflows WHERE type = 'shipment'")"
[ "$(sim_stat '.documents["wms.fulfillments"]')" = "$shipments" ] || fail "fulfilments differ from shipments"
echo "kill -9 with calls in flight: 300 orders completed after 4 kills, 0 duplicates"
