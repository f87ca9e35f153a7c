#!/usr/bin/env bash
# `o2c sim` over real sockets: idempotent repeats, the transport's limits (413, 431, 400 on a
# malformed request line, 503 past --max-connections), keep-alive, fault injection (outage,
# ambiguous = the answer is lost), and a clean exit 0 on SIGTERM. Then a second sim with --fault
# flags and --engine-url: its WMS webhooks reach a capture server (python3) in order, HMAC-signed.
# Needs curl and python3; no database.
set -uo pipefail
o2c="$1"
work=$(mktemp -d)
pid=""
capture_pid=""
cleanup() {
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  [ -n "$capture_pid" ] && kill -0 "$capture_pid" 2>/dev/null && kill -KILL "$capture_pid" 2>/dev/null
  exec 5>&- 6>&- 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
check() {  # check NAME COMMAND...: runs the command, counts the outcome
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
  fi
}

"$o2c" sim --listen 127.0.0.1:0 --seed 7 --max-connections 4 2>"$work/sim.err" &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/sim.err" 2>/dev/null | sed 's/.*://')
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAIL: o2c sim did not report a port: $(cat "$work/sim.err")" >&2
  echo "sim_http: 0 passed, 1 failed"
  exit 1
fi
base="http://127.0.0.1:$port"
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1:]: d=d[k]
print(d)' "$@"; }

# Idempotent repeat: the same key twice, identical answers, one document.
a=$(curl -sS -X POST -H 'Idempotency-Key: e2e-1' -d '{"order_id":"o-1"}' "$base/erp/sales-orders")
b=$(curl -sS -X POST -H 'Idempotency-Key: e2e-1' -d '{"order_id":"o-1"}' "$base/erp/sales-orders")
check "first sales order answered: $a" grep -q '"sales_order_id":"SO-1"' <<<"$a"
check "repeat answers the same: $a vs $b" [ "$a" = "$b" ]
stats=$(curl -sS "$base/sim/stats")
check "one sales order" [ "$(json_field documents erp.sales_orders <<<"$stats")" = 1 ]
check "one idempotent repeat" [ "$(json_field idempotent_repeats <<<"$stats")" = 1 ]
check "no duplicates" [ "$(json_field duplicates <<<"$stats")" = 0 ]
check "two requests counted" [ "$(json_field requests "POST /erp/sales-orders" <<<"$stats")" = 2 ]
code=$(curl -sS -o "$work/out" -w '%{http_code}' -X POST -H 'Idempotency-Key: e2e-1' \
  -d '{"order_id":"o-2"}' "$base/erp/sales-orders")
check "conflicting reuse of a key is 422 (got $code)" [ "$code" = 422 ]
code=$(curl -sS -o "$work/out" -w '%{http_code}' -X POST -d '{}' "$base/erp/invoices")
check "missing key is 400 (got $code)" [ "$code" = 400 ]

# Oversized body: 2 MiB against the 1 MiB limit.
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$work/big"
code=$(curl -sS -o "$work/out" -w '%{http_code}' -X POST -H 'Idempotency-Key: big' \
  --data-binary @"$work/big" "$base/erp/sales-orders")
check "oversized body is 413 (got $code)" [ "$code" = 413 ]
check "413 body is a JSON error" grep -q '"error":"body_too_large"' "$work/out"

# Oversized headers: 20 KiB against the 16 KiB limit.
big_header="X-Big: $(head -c 20000 /dev/zero | tr '\0' 'h')"
code=$(curl -sS -o "$work/out" -w '%{http_code}' -H "$big_header" "$base/sim/stats")
check "oversized headers are 431 (got $code)" [ "$code" = 431 ]

# A malformed request line over a raw socket: 400 with a JSON error, then the server closes.
exec 5<>"/dev/tcp/127.0.0.1/$port"
printf 'THIS IS NOT HTTP\r\n\r\n' >&5
reply=$(timeout 5 cat <&5)
exec 5>&-
check "malformed request line is 400: $reply" grep -q '^HTTP/1.1 400' <<<"$reply"
check "400 body is a JSON error" grep -q '"error":"malformed_request"' <<<"$reply"

# Keep-alive: two requests on one connection.
curl -sS -v "$base/sim/stats" "$base/sim/faults" -o /dev/null -o /dev/null 2>"$work/curl.log"
check "second request re-used the connection" grep -q 'Re-using existing connection' "$work/curl.log"
check "one connection opened" [ "$(grep -c '^\* Connected to' "$work/curl.log")" = 1 ]

# Past --max-connections (4): hold 4 idle connections open, the 5th is answered 503.
held=()
for i in 1 2 3 4; do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  held+=("$fd")
done
sleep 0.3
code=$(curl -sS -o "$work/out" -w '%{http_code}' "$base/sim/stats")
check "connection past the limit is 503 (got $code)" [ "$code" = 503 ]
for fd in "${held[@]}"; do exec {fd}>&-; done
sleep 0.3
code=$(curl -sS -o /dev/null -w '%{http_code}' "$base/sim/stats")
check "after closing them, 200 again (got $code)" [ "$code" = 200 ]

# An outage: 503 during the window, for the matched downstream only.
code=$(curl -sS -o "$work/out" -w '%{http_code}' -X POST \
  -d '{"rules":[{"match":"* /erp","outage":{"start_in_s":0,"duration_s":60}}]}' "$base/sim/faults")
check "faults accepted (got $code)" [ "$code" = 200 ]
check "faults read back" grep -q '"outage"' <(curl -sS "$base/sim/faults")
code=$(curl -sS -o "$work/out" -w '%{http_code}' -X POST -H 'Idempotency-Key: e2e-2' \
  -d '{"order_id":"o-3"}' "$base/erp/sales-orders")
check "outage answers 503 (got $code)" [ "$code" = 503 ]
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d '{"lines":[]}' "$base/routing/assign")
check "other downstreams still answer (got $code)" [ "$code" = 200 ]

# Ambiguous: the document is created, the connection closes without an answer, the retry with
# the same key gets the original answer.
curl -sS -X POST -d '{"rules":[{"match":"POST /wms","ambiguous_rate":1}]}' "$base/sim/faults" >/dev/null
curl -sS -o /dev/null -X POST -H 'Idempotency-Key: e2e-3' -d '{"shipment_id":"s-1"}' \
  "$base/wms/fulfillments" 2>/dev/null
code=$?
check "ambiguous call loses the answer (curl exit $code, want 52)" [ "$code" = 52 ]
curl -sS -X DELETE "$base/sim/faults" >/dev/null
a=$(curl -sS -X POST -H 'Idempotency-Key: e2e-3' -d '{"shipment_id":"s-1"}' "$base/wms/fulfillments")
check "retry gets the original answer: $a" grep -q '"fulfillment_id":"WF-1"' <<<"$a"
stats=$(curl -sS "$base/sim/stats")
check "one fulfillment" [ "$(json_field documents wms.fulfillments <<<"$stats")" = 1 ]
check "still no duplicates" [ "$(json_field duplicates <<<"$stats")" = 0 ]

# SIGTERM: graceful (a request in progress still gets its answer), then a clean exit 0.
curl -sS -X POST -d '{"rules":[{"match":"POST /routing","latency_ms":[1000,1000]}]}' \
  "$base/sim/faults" >/dev/null
curl -sS -o /dev/null -w '%{http_code}' -X POST -d '{"lines":[]}' "$base/routing/assign" \
  >"$work/slow" 2>&1 &
slow=$!
sleep 0.4
kill -TERM "$pid"
wait "$slow"
check "request in progress at SIGTERM answered 200 (got $(cat "$work/slow"))" \
  [ "$(cat "$work/slow")" = 200 ]
wait "$pid"
code=$?
pid=""
check "SIGTERM exits 0 (got $code)" [ "$code" = 0 ]
check "stop was logged" grep -q 'SIGTERM, stopping' "$work/sim.err"


# Bad --fault flags are usage errors (exit 2) naming the part.
"$o2c" sim --listen 127.0.0.1:0 --fault 'POST /erp;typo=1' 2>"$work/bad.err"
code=$?
check "bad --fault exits 2 (got $code)" [ "$code" = 2 ]
check "bad --fault names the key: $(cat "$work/bad.err")" grep -q "unknown fault key 'typo'" "$work/bad.err"

# The engine, played by a capture server: records every webhook (headers and raw body), 503 for
# the very first one so the retry shows.
cat >"$work/capture.py" <<'PY'
import http.server, json, sys
out = open(sys.argv[1], "a")
seen = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        seen[0] += 1
        status = 503 if seen[0] == 1 else 200
        out.write(json.dumps({"path": self.path, "status": status,
                              "topic": self.headers.get("X-WMS-Topic"),
                              "event_id": self.headers.get("X-WMS-Event-Id"),
                              "signature": self.headers.get("X-WMS-Signature"),
                              "body": body}) + "\n")
        out.flush()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$work/capture.py" "$work/hooks.jsonl" >"$work/capture.port" &
capture_pid=$!
for _ in $(seq 1 50); do [ -s "$work/capture.port" ] && break; sleep 0.1; done
engine_port=$(cat "$work/capture.port")

O2C_WMS_SECRET='e2e-secret,older-secret' "$o2c" sim --listen 127.0.0.1:0 \
  --engine-url "http://127.0.0.1:$engine_port" --wms-delay-ms 50 \
  --fault 'POST /erp/sales-orders;reject_rate=1' --fault '* /routing;latency_ms=1-2' \
  --faults-json '{"rules":[{"match":"GET /shopify","error_rate":0}]}' 2>"$work/sim2.err" &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/sim2.err" 2>/dev/null | sed 's/.*://')
  [ -n "$port" ] && break
  sleep 0.1
done
base="http://127.0.0.1:$port"
rules=$(curl -sS "$base/sim/faults")
check "three fault rules installed: $rules" \
  [ "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rules"]))' <<<"$rules")" = 3 ]
code=$(curl -sS -o "$work/out" -w '%{http_code}' -X POST -H 'Idempotency-Key: f-1' \
  -d '{"order_id":"o-1"}' "$base/erp/sales-orders")
check "--fault reject_rate=1 answers 422 (got $code)" [ "$code" = 422 ]
check "the secret is never printed" bash -c "! grep -q 'e2e-secret' '$work/sim2.err'"

curl -sS -X POST -H 'Idempotency-Key: wf-1' \
  -d '{"shipment_key":"shop/1/shipments/1","lines":[{"sku":"A","quantity":1}]}' \
  "$base/wms/fulfillments" >/dev/null
for _ in $(seq 1 100); do
  [ "$(grep -c '"status": 200' "$work/hooks.jsonl" 2>/dev/null)" -ge 4 ] && break
  sleep 0.1
done
verdict=$(python3 - "$work/hooks.jsonl" <<'PY'
import base64, hashlib, hmac, json, sys
hooks = [json.loads(l) for l in open(sys.argv[1])]
problems = []
want = ["fulfillment.picked", "fulfillment.picked", "fulfillment.packed", "fulfillment.shipped",
        "fulfillment.delivered"]
if [h["topic"] for h in hooks] != want:
    problems.append("topics %s" % [h["topic"] for h in hooks])
if len(hooks) >= 2 and hooks[0]["event_id"] != hooks[1]["event_id"]:
    problems.append("the retry has a new event id")
for h in hooks:
    mac = base64.b64encode(hmac.new(b"e2e-secret", h["body"].encode(), hashlib.sha256).digest())
    if h["signature"] != mac.decode():
        problems.append("bad signature on " + h["topic"])
    body = json.loads(h["body"])
    if h["path"] != "/webhooks/wms" or body["topic"] != h["topic"] or body["id"] != h["event_id"]:
        problems.append("bad envelope " + h["body"])
    if body.get("shipment_key") != "shop/1/shipments/1":
        problems.append("no shipment_key in " + h["body"])
shipped = [json.loads(h["body"]) for h in hooks if h["topic"] == "fulfillment.shipped"]
if not shipped or shipped[0].get("carrier") != "UPS" or not shipped[0].get("tracking_number"):
    problems.append("shipped without carrier/tracking")
print("ok" if not problems else "; ".join(problems))
PY
)
check "webhooks in order, retried with the same id, signed: $verdict" [ "$verdict" = ok ]
stats=$(curl -sS "$base/sim/stats")
check "webhook stats: 4 sent, 1 retry ($(json_field webhooks <<<"$stats"))" \
  [ "$(json_field webhooks sent <<<"$stats")/$(json_field webhooks retries <<<"$stats")" = 4/1 ]
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Idempotency-Key: c-1' \
  "$base/wms/fulfillments/WF-1/cancel")
check "cancel after the shipped webhook is 409 (got $code)" [ "$code" = 409 ]

# SIGTERM with events still queued: they are dropped and the exit is clean.
curl -sS -X POST -H 'Idempotency-Key: wf-2' -d '{"shipment_key":"shop/2/shipments/1"}' \
  "$base/wms/fulfillments" >/dev/null
kill -TERM "$pid"
wait "$pid"
code=$?
pid=""
check "SIGTERM with queued webhooks exits 0 (got $code)" [ "$code" = 0 ]

echo "sim_http: $passed passed, $failed failed"
[ "$failed" = 0 ]
