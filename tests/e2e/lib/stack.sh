# Shared by the e2e scripts that run the whole stack as processes: a scratch database, `o2c sim`
# (with fault rules) and `o2c serve --activities http` wired to it, and helpers to wait on SQL.
# Source it after setting `o2c` (the binary) and `name` (a short label for the database).
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
db="o2c_e2e_${name}_$$"
tmp="$(mktemp -d)"
pids=()
admin() { psql "$O2C_TEST_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE DATABASE $db"
export O2C_DATABASE_URL="$O2C_TEST_DATABASE_URL dbname=$db"
export O2C_SHOPIFY_SECRET="e2e-shopify-secret" O2C_WMS_SECRET="e2e-wms-secret"
q() { psql "$O2C_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
stack_cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${O2C_KEEP_DB:-}" ]; then  # debugging: keep the database and logs
    echo "kept database $db and logs in $tmp" >&2
    return
  fi
  admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -rf "$tmp"
}
trap stack_cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- serve log (tail)" >&2; tail -15 "$tmp/serve.log" >&2 2>/dev/null || true
  echo "--- sim log (tail)" >&2; tail -5 "$tmp/sim.log" >&2 2>/dev/null || true
  exit 1
}
free_port() {  # a port nothing listens on (random, so parallel scripts rarely collide)
  # Below the kernel's ephemeral range: an outgoing connection of a test running beside this one
  # can take any port in that range between our check and the server's bind (seen in CI).
  local p low
  low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 12000 ] || low=32768
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
sim_port="$(free_port)"; serve_port="$(free_port)"
sim_url="http://127.0.0.1:$sim_port"; serve_url="http://127.0.0.1:$serve_port"
export O2C_ERP_URL="$sim_url" O2C_ROUTING_URL="$sim_url" O2C_WMS_URL="$sim_url" O2C_SHOPIFY_URL="$sim_url"

wait_http() {  # url
  for _ in $(seq 150); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  fail "$1 did not answer"
}
# start_sim [fault rules JSON] — extra sim flags in $sim_flags.
start_sim() {
  echo "${1:-{\"rules\": []\}}" >"$tmp/faults.json"
  "$o2c" sim --listen "127.0.0.1:$sim_port" --engine-url "$serve_url" --faults "$tmp/faults.json" \
    ${sim_flags:-} >>"$tmp/sim.log" 2>&1 &
  pids+=($!)
  wait_http "$sim_url/sim/stats"
}
# start_serve [policy config JSON] — extra serve flags in $serve_flags.
start_serve() {
  echo "${1:-{\}}" >"$tmp/policy.json"
  "$o2c" serve --listen "127.0.0.1:$serve_port" --activities http --config "$tmp/policy.json" \
    ${serve_flags:-} >>"$tmp/serve.log" 2>&1 &
  serve_pid=$!
  pids+=($serve_pid)
  wait_http "$serve_url/healthz"
}
sim_stat() { curl -sf "$sim_url/sim/stats" | jq -r "$1"; }
# wait_sql SQL EXPECTED TIMEOUT_S — polls until the query prints EXPECTED.
wait_sql() {
  local deadline=$((SECONDS + $3)) got=""
  while [ $SECONDS -lt $deadline ]; do
    got="$(q "$1")"
    [ "$got" = "$2" ] && return 0
    sleep 0.5
  done
  fail "after $3 s: \`$1\` = '$got', wanted '$2'"
}
orders_done() { q "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'"; }
