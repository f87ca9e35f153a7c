#!/usr/bin/env bash
# `o2c demo --orders 50` end to end (real Postgres, `o2c sim` and `o2c serve` as processes), then
# the summary it printed is checked against the database and the simulator's documents: the
# numbers a user reads at the end of the demo must be the system's own.
set -euo pipefail
o2c="$1"
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
db="o2c_e2e_demo_$$"
admin() { psql "$O2C_TEST_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE DATABASE $db"
export O2C_DATABASE_URL="$O2C_TEST_DATABASE_URL dbname=$db"
q() { psql "$O2C_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
tmp="$(mktemp -d)"
cleanup() {
  admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$tmp/out" >&2 || true; exit 1; }

"$o2c" demo --orders 50 --duration-s 10 --seed 3 --settle-timeout-s 150 \
  --summary-json "$tmp/summary.json" >"$tmp/out" 2>"$tmp/err" || fail "demo exited $?: $(tail -5 "$tmp/err")"
s="$tmp/summary.json"
j() { jq -r "$1" "$s"; }

[ "$(j .settled)" = true ] || fail "the demo did not settle"
[ "$(j .duplicates)" = 0 ] || fail "duplicate documents in the simulator: $(j .duplicates)"
[ "$(j .webhooks.lost)" = 0 ] || fail "lost webhook deliveries: $(j .webhooks.lost)"
grep -q "duplicate documents created: 0" "$tmp/out" || fail "summary table lacks the duplicates line"

# Every workflow count in the summary is the database's.
while IFS=$'\t' read -r type status n; do
  got="$(q "SELECT count(*) FROM workflows WHERE type = '$type' AND status = '$status'")"
  [ "$got" = "$n" ] || fail "summary says $n $type workflows $status, database has $got"
done < <(jq -r '.workflows | to_entries[] | .key as $t | .value | to_entries[] | [$t, .key, .value] | @tsv' "$s")
[ "$(q "SELECT count(*) FROM workflows")" = "$(jq '[.workflows[][]] | add' "$s")" ] || fail "workflow total differs"
[ "$(q "SELECT count(*) FROM workflows WHERE status = 'needs_attention'")" = "$(j .needs_attention_count)" ] \
  || fail "needs_attention count differs"

# One downstream document per succeeded creating task, as the simulator counts them.
check_docs() {  # kind activity
  local docs tasks
  docs="$(jq -r --arg k "$1" '.sim.documents[$k] // 0' "$s")"
  tasks="$(q "SELECT count(*) FROM tasks WHERE activity = '$2' AND status = 'succeeded'")"
  [ "$docs" = "$tasks" ] || fail "simulator has $docs $1, database has $tasks succeeded $2 tasks"
}
check_docs erp.sales_orders erp.create_sales_order
check_docs wms.fulfillments wms.create_fulfillment
check_docs erp.invoices erp.post_invoice
check_docs erp.credit_memos erp.issue_credit_memo
check_docs shopify.refunds shopify.create_refund

# Everything settled: nothing running or waiting, and the planned cases happened.
[ "$(q "SELECT count(*) FROM workflows WHERE status IN ('running', 'waiting')")" = 0 ] \
  || fail "workflows still running or waiting"
[ "$(q "SELECT count(*) FROM workflows WHERE type = 'order' AND state = 'on_hold'")" = 1 ] \
  || fail "expected exactly the one unmapped-SKU order on hold"
[ "$(q "SELECT count(*) FROM (SELECT parent_id FROM workflows WHERE type = 'shipment' GROUP BY 1 HAVING count(*) > 1) s")" -gt 0 ] \
  || fail "no split shipment"
[ "$(q "SELECT count(*) FROM workflows WHERE type = 'order' AND business_key LIKE '%5100000011' AND status = 'cancelled'")" = 1 ] \
  || fail "the out-of-order cancellation (sent before its order) did not cancel the order"
[ "$(q "SELECT count(*) FROM inbox WHERE verdict = 'accepted'")" -ge 50 ] || fail "too few accepted deliveries"
echo "demo summary matches the database and the simulator"
