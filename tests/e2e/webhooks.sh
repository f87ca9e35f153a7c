#!/usr/bin/env bash
# Webhook ingestion with real processes: `o2c serve` on a free port, every documented case sent
# with curl (signed with openssl, as Shopify and the WMS sign), and for each one the HTTP status
# and JSON error code, then the inbox row (verdict, reason) and the workflow and event rows in
# Postgres. Cases: valid, duplicate, bad HMAC, rotated key, truncated, non-JSON, oversized
# (> 1 MiB -> 413), deeply nested, unknown topic, missing header, out-of-order (orders/cancelled
# before orders/create -> the order ends cancelled), WMS valid / unknown shipment / bad signature,
# and inbox retention. The server must answer /healthz and /readyz at the end, still the same
# process.
set -euo pipefail
o2c="$1"
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
db="o2c_e2e_webhooks_$$"
admin() { psql "$O2C_TEST_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE DATABASE $db"
export O2C_DATABASE_URL="$O2C_TEST_DATABASE_URL dbname=$db"
q() { psql "$O2C_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
dir="$(mktemp -d)"
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill -9 "$serve_pid" 2>/dev/null || true
  admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$dir/serve.err" >&2 || true; exit 1; }

shop="e2e-shop.myshopify.com"
new_key="shopify-new-key"
old_key="shopify-old-key"
wms_key="wms-e2e-key"
# Two Shopify keys at once: a rotation in progress. Retention short enough to watch it work.
O2C_SHOPIFY_SECRET="$new_key, $old_key" O2C_WMS_SECRET="$wms_key" \
  "$o2c" serve --listen 127.0.0.1:0 --threads 2 --http-threads 4 --inbox-retention 10s \
  >"$dir/serve.out" 2>"$dir/serve.err" &
serve_pid=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/^o2c serve: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/serve.out")"
  [ -n "$port" ] && break
  kill -0 "$serve_pid" 2>/dev/null || fail "serve exited before listening"
  sleep 0.1
done
[ -n "$port" ] || fail "serve did not print its address"
url="http://127.0.0.1:$port"

passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() {  # check NAME GOT WANT
  if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got '$2', want '$3'"; fi
}
sign() { openssl dgst -sha256 -hmac "$1" -binary <"$2" | base64 -w0; }

# shopify NAME TOPIC WEBHOOK_ID BODY_FILE KEY: POSTs as Shopify does (an empty WEBHOOK_ID sends
# no X-Shopify-Webhook-Id), leaves the status in $status and the answer in $dir/answer.
shopify() {
  local name="$1" topic="$2" id="$3" file="$4" key="$5"
  local headers=(-H "Content-Type: application/json" -H "X-Shopify-Topic: $topic"
    -H "X-Shopify-Hmac-Sha256: $(sign "$key" "$file")" -H "X-Shopify-Shop-Domain: $shop"
    -H "X-Shopify-Triggered-At: 2026-11-22T10:00:00Z")
  [ -n "$id" ] && headers+=(-H "X-Shopify-Webhook-Id: $id")
  status=$(curl -s -o "$dir/answer" -w '%{http_code}' -X POST "$url/webhooks/shopify" \
    "${headers[@]}" --data-binary "@$file") || status="curl-failed"
  echo "  $name -> $status $(head -c 300 "$dir/answer")"
}
field() { jq -r "$1" "$dir/answer" 2>/dev/null || echo "not-json"; }
order_body() {  # order_body ID FILE
  cat >"$2" <<EOF
{"id": $1, "name": "#$1", "email": "jon@example.com", "currency": "USD", "total_price": "199.00",
 "financial_status": "paid", "created_at": "2026-11-22T10:00:00Z",
 "line_items": [{"id": ${1}1, "sku": "IPOD2008PINK", "quantity": 1, "price": "199.00"}]}
EOF
}
inbox() {  # inbox WEBHOOK_ID COLUMNS
  q "SELECT $2 FROM inbox WHERE source = 'shopify' AND delivery_id = '$1'"
}

# --- valid --------------------------------------------------------------------------------
order_body 3001 "$dir/order.json"
shopify valid orders/create wh-valid "$dir/order.json" "$new_key"
check "valid: status" "$status" 200
check "valid: answer" "$(field .status)" accepted
wf="$(field .workflow_id)"
check "valid: workflow row" "$(q "SELECT type || ' ' || business_key FROM workflows WHERE id = $wf")" \
  "order $shop/orders/3001"
check "valid: inbox row" "$(inbox wh-valid "verdict || ' ' || workflow_id || ' ' || topic || ' ' || triggered_at")" \
  "accepted $wf orders/create 2026-11-22T10:00:00Z"
check "valid: body kept byte for byte" "$(inbox wh-valid "md5(body)")" "$(md5sum <"$dir/order.json" | cut -d' ' -f1)"
check "valid: order_received queued or applied" \
  "$(q "SELECT count(*) FROM events WHERE workflow_id = $wf AND event = 'order_received' AND source = 'webhook:shopify'")" 1

# --- duplicate ----------------------------------------------------------------------------
shopify duplicate orders/create wh-valid "$dir/order.json" "$new_key"
check "duplicate: status" "$status" 200
check "duplicate: answer" "$(field '.status + " " + (.workflow_id | tostring)')" "duplicate $wf"
check "duplicate: one inbox row" "$(inbox wh-valid "count(*)")" 1
check "duplicate: one event" "$(q "SELECT count(*) FROM events WHERE workflow_id = $wf AND event = 'order_received'")" 1
check "duplicate: one workflow" "$(q "SELECT count(*) FROM workflows WHERE business_key = '$shop/orders/3001'")" 1

# --- bad HMAC -----------------------------------------------------------------------------
order_body 3002 "$dir/forged.json"
shopify bad-hmac orders/create wh-forged "$dir/forged.json" "not-the-secret"
check "bad hmac: status" "$status" 401
check "bad hmac: error" "$(field .error)" invalid_signature
check "bad hmac: kept as unauthorized, without its id, body and reason kept" \
  "$(q "SELECT count(*) FROM inbox WHERE verdict = 'unauthorized' AND delivery_id IS NULL AND topic = 'orders/create' AND reason LIKE '%X-Shopify-Hmac-Sha256%' AND md5(body) = '$(md5sum <"$dir/forged.json" | cut -d' ' -f1)'")" 1
check "bad hmac: no workflow" "$(q "SELECT count(*) FROM workflows WHERE business_key = '$shop/orders/3002'")" 0
check "bad hmac: the id is not used up" "$(inbox wh-forged "count(*)")" 0

# --- rotated key --------------------------------------------------------------------------
shopify rotated-key orders/create wh-forged "$dir/forged.json" "$old_key"
check "rotated key: old key still accepted" "$status" 200
check "rotated key: workflow" "$(q "SELECT count(*) FROM workflows WHERE business_key = '$shop/orders/3002'")" 1

# --- truncated ----------------------------------------------------------------------------
order_body 3003 "$dir/full.json"
head -c 90 "$dir/full.json" >"$dir/truncated.json"
shopify truncated orders/create wh-truncated "$dir/truncated.json" "$new_key"
check "truncated: status" "$status" 400
check "truncated: error" "$(field .error)" malformed_json
check "truncated: inbox" "$(inbox wh-truncated "verdict || ' ' || (reason LIKE '%truncated%') || ' ' || length(body)")" "rejected true 90"
check "truncated: reason is the answer's message" "$(inbox wh-truncated reason)" "$(field .message)"

# --- non-JSON -----------------------------------------------------------------------------
printf 'id=3004&total_price=199.00\n' >"$dir/form.txt"
shopify non-json orders/create wh-form "$dir/form.txt" "$new_key"
check "non-json: status" "$status" 400
check "non-json: error" "$(field .error)" malformed_json
check "non-json: inbox" "$(inbox wh-form "verdict || ' ' || (body IS NOT NULL)")" "rejected true"

# --- oversized ----------------------------------------------------------------------------
{ printf '{"id": 3005, "padding": "'; head -c 1100000 /dev/zero | tr '\0' 'x'; printf '"}'; } >"$dir/big.json"
shopify oversized orders/create wh-big "$dir/big.json" "$new_key"
check "oversized: status" "$status" 413
check "oversized: error" "$(field .error)" body_too_large
check "oversized: answered by the server before any handler (nothing recorded)" "$(inbox wh-big "count(*)")" 0

# --- deeply nested ------------------------------------------------------------------------
{ head -c 5000 /dev/zero | tr '\0' '['; head -c 5000 /dev/zero | tr '\0' ']'; } >"$dir/deep.json"
shopify deeply-nested orders/create wh-deep "$dir/deep.json" "$new_key"
check "deeply nested: status" "$status" 400
check "deeply nested: error" "$(field .error)" json_too_deep
check "deeply nested: inbox" "$(inbox wh-deep "verdict || ' ' || (reason LIKE '%deeper than 64%')")" "rejected true"

# --- unknown topic ------------------------------------------------------------------------
printf '{"id": 42, "email": "x@example.com"}' >"$dir/customer.json"
shopify unknown-topic customers/create wh-customer "$dir/customer.json" "$new_key"
check "unknown topic: status" "$status" 422
check "unknown topic: error" "$(field .error)" unknown_topic
check "unknown topic: inbox" "$(inbox wh-customer "verdict || ' ' || topic || ' ' || (workflow_id IS NULL)")" \
  "unknown_topic customers/create true"

# --- missing header -----------------------------------------------------------------------
order_body 3006 "$dir/nohdr.json"
shopify missing-header orders/create "" "$dir/nohdr.json" "$new_key"
check "missing header: status" "$status" 400
check "missing header: error" "$(field .error)" missing_header
check "missing header: names it" "$(field '.message | contains("X-Shopify-Webhook-Id")')" true
check "missing header: inbox" \
  "$(q "SELECT count(*) FROM inbox WHERE verdict = 'rejected' AND delivery_id IS NULL AND reason LIKE '%X-Shopify-Webhook-Id%'")" 1
check "missing header: no workflow" "$(q "SELECT count(*) FROM workflows WHERE business_key = '$shop/orders/3006'")" 0

# --- out of order: orders/cancelled before orders/create ----------------------------------
order_body 3007 "$dir/late.json"
shopify cancel-first orders/cancelled wh-cancel-3007 "$dir/late.json" "$new_key"
check "out of order: cancel accepted" "$status" 200
late_wf="$(field .workflow_id)"
for _ in $(seq 100); do  # until the runtime has looked at it once
  [ "$(q "SELECT deferrals FROM events WHERE workflow_id = $late_wf")" != 0 ] && break
  sleep 0.1
done
check "out of order: the cancel waits, recorded as no transition" \
  "$(q "SELECT state || ' ' || (SELECT count(*) FROM transitions WHERE workflow_id = $late_wf) || ' ' || (SELECT deferrals > 0 AND processed_at IS NULL FROM events WHERE workflow_id = $late_wf AND event = 'order_cancelled') FROM workflows WHERE id = $late_wf")" \
  "start 0 true"
shopify create-later orders/create wh-create-3007 "$dir/late.json" "$new_key"
check "out of order: create accepted into the same workflow" "$status $(field .workflow_id)" "200 $late_wf"
state=""
for _ in $(seq 300); do
  state="$(q "SELECT state FROM workflows WHERE id = $late_wf")"
  [ "$state" = cancelled ] && break
  sleep 0.1
done
check "out of order: the order ends cancelled" "$state" cancelled
check "out of order: the cancel was applied, not rejected" \
  "$(q "SELECT count(*) FROM transitions WHERE workflow_id = $late_wf AND event = 'order_cancelled' AND NOT payload ? 'rejected'")" 1

# --- WMS ----------------------------------------------------------------------------------
wms() {  # wms NAME TOPIC EVENT_ID BODY_FILE KEY
  status=$(curl -s -o "$dir/answer" -w '%{http_code}' -X POST "$url/webhooks/wms" \
    -H "Content-Type: application/json" -H "X-WMS-Topic: $2" -H "X-WMS-Event-Id: $3" \
    -H "X-WMS-Signature: $(sign "$5" "$4")" --data-binary "@$4") || status="curl-failed"
  echo "  $1 -> $status $(head -c 300 "$dir/answer")"
}
shipment_key="$shop/orders/3001/shipments/1"
for _ in $(seq 300); do
  [ "$(q "SELECT count(*) FROM workflows WHERE type = 'shipment' AND business_key = '$shipment_key'")" = 1 ] && break
  sleep 0.1
done
printf '{"id": "wms-1", "topic": "fulfillment.delivered", "occurred_at": "2026-11-22T12:00:00Z", "fulfillment_id": "F-1", "shipment_key": "%s"}' \
  "$shipment_key" >"$dir/delivered.json"
wms wms-valid fulfillment.delivered wms-1 "$dir/delivered.json" "$wms_key"
check "wms valid: status" "$status" 200
check "wms valid: inbox against the shipment" \
  "$(q "SELECT i.verdict || ' ' || w.business_key FROM inbox i JOIN workflows w ON w.id = i.workflow_id WHERE i.source = 'wms' AND i.delivery_id = 'wms-1'")" \
  "accepted $shipment_key"
printf '{"id": "wms-2", "topic": "fulfillment.picked", "fulfillment_id": "F-9", "shipment_key": "%s/orders/404/shipments/1"}' \
  "$shop" >"$dir/unknown.json"
wms wms-unknown-shipment fulfillment.picked wms-2 "$dir/unknown.json" "$wms_key"
check "wms unknown shipment: status" "$status" 422
check "wms unknown shipment: error" "$(field .error)" unknown_shipment
check "wms unknown shipment: inbox" "$(q "SELECT verdict FROM inbox WHERE source = 'wms' AND delivery_id = 'wms-2'")" rejected
wms wms-bad-signature fulfillment.picked wms-3 "$dir/unknown.json" "wrong-key"
check "wms bad signature: status" "$status" 401

# --- retention (--inbox-retention 10s) ----------------------------------------------------
sleep 1
for _ in $(seq 150); do
  [ "$(q "SELECT count(*) FROM inbox WHERE body IS NOT NULL AND received_at < now() - interval '12 seconds'")" = 0 ] &&
    [ "$(inbox wh-valid "body IS NULL")" = t ] && break
  sleep 0.2
done
check "retention: bodies older than the retention dropped" \
  "$(q "SELECT count(*) FROM inbox WHERE body IS NOT NULL AND received_at < now() - interval '12 seconds'")" 0
check "retention: rows and verdicts stay" "$(inbox wh-valid "verdict || ' ' || (body IS NULL)")" "accepted true"
check "retention: a repeat is still a duplicate" \
  "$(shopify repeat-after-retention orders/create wh-valid "$dir/order.json" "$new_key" >/dev/null; field .status)" duplicate

# --- still up -----------------------------------------------------------------------------
check "still the same process" "$(kill -0 "$serve_pid" 2>/dev/null && echo alive)" alive
check "healthz" "$(curl -s "$url/healthz")" '{"status":"ok"}'
check "readyz" "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" 200
check "unknown path" "$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")" 404

kill -TERM "$serve_pid"
for _ in $(seq 40); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.25; done
kill -0 "$serve_pid" 2>/dev/null && fail "serve did not stop within 10 s of SIGTERM"
wait "$serve_pid" || fail "serve exited non-zero after SIGTERM"
serve_pid=""
grep -q -e "$new_key" -e "$old_key" -e "$wms_key" "$dir/serve.out" "$dir/serve.err" &&
  bad "a webhook secret appeared in the log" || ok "no secret in the log"
echo "webhooks: $passed passed, $failed failed"
[ "$failed" = 0 ]
