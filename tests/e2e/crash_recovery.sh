#!/usr/bin/env bash
# Crash safety with real processes: 2,000 order sagas while two `o2c serve` processes share the
# database and are killed with SIGKILL at random moments (one or both) and restarted. Afterwards every saga must be complete, and the recorded
# downstream (o2c_recorded_effects, one row per idempotency key) must show exactly one document
# per activity task: none created twice, none skipped. Starts alternate `--group-commit 0` (each
# loop commits its own steps) and `--group-commit 2`, so both commit paths are killed mid-flight.
set -euo pipefail
o2c="$1"
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
sagas="${O2C_CRASH_SAGAS:-2000}"
kills="${O2C_CRASH_KILLS:-8}"
db="o2c_e2e_crash_$$"
admin() { psql "$O2C_TEST_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE DATABASE $db"
export O2C_DATABASE_URL="$O2C_TEST_DATABASE_URL dbname=$db"
q() { psql "$O2C_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
log="$(mktemp)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -f "$log"
}
trap cleanup EXIT
[ -n "${O2C_KEEP_DB:-}" ] && trap - EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$log" >&2; exit 1; }

"$o2c" submit-orders --count "$sagas" --prefix crash >/dev/null
RANDOM=7  # a fixed seed: the same kill schedule every run
starts=0
start_serve() {
  local grouped=(--group-commit 0)
  starts=$((starts + 1))
  [ $((starts % 2)) = 0 ] && grouped=(--group-commit 2)
  "$o2c" serve --threads 3 --lease-ms 1500 "${grouped[@]}" >>"$log" 2>&1 &
  pids+=($!)
}
start_serve
start_serve
for k in $(seq "$kills"); do
  sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
  sleep "$((RANDOM % 2))"
  # Kill one of the two, or both; the survivors and the restarted ones share the work.
  victims=("${pids[@]}")
  [ $((RANDOM % 3)) = 0 ] || victims=("${pids[$((RANDOM % 2))]}")
  survivors=()
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || fail "serve $p died on its own before kill $k"
    if [[ " ${victims[*]} " == *" $p "* ]]; then kill -9 "$p"; wait "$p" 2>/dev/null || true
    else survivors+=("$p"); fi
  done
  pids=("${survivors[@]}")
  while [ ${#pids[@]} -lt 2 ]; do start_serve; done
  done_now=$(q "SELECT count(*) FROM workflows WHERE type = 'order' AND state = 'completed'")
  echo "kill -9 #$k (${#victims[@]} process(es)): $done_now/$sagas orders completed"
done

for _ in $(seq 240); do
  done_now=$(q "SELECT count(*) FROM workflows WHERE type = 'order' AND state = 'completed'")
  [ "$done_now" = "$sagas" ] && break
  sleep 0.5
done
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do
  for _ in $(seq 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$p" 2>/dev/null && fail "serve $p did not stop within 10 s of SIGTERM"
  wait "$p" || fail "serve $p exited non-zero after SIGTERM"
done
pids=()

check() {  # check NAME SQL EXPECTED
  local got; got=$(q "$2")
  if [ "$got" = "$3" ]; then echo "ok   $1 ($got)"; passed=$((passed + 1));
  else echo "FAIL $1: got $got, want $3"; failed=$((failed + 1)); fi
}
passed=0; failed=0
check "orders completed" "SELECT count(*) FROM workflows WHERE type='order' AND state='completed'" "$sagas"
check "shipments closed" "SELECT count(*) FROM workflows WHERE type='shipment' AND state='closed'" "$sagas"
check "activity tasks" "SELECT count(*) FROM tasks" "$((sagas * 6))"
check "tasks not succeeded" "SELECT count(*) FROM tasks WHERE status <> 'succeeded'" "0"
check "documents" "SELECT count(*) FROM o2c_recorded_effects" "$((sagas * 6))"
check "tasks whose call never reached the downstream" \
  "SELECT count(*) FROM tasks t LEFT JOIN o2c_recorded_effects e USING (idempotency_key) WHERE e.idempotency_key IS NULL" "0"
check "documents without a task" \
  "SELECT count(*) FROM o2c_recorded_effects e LEFT JOIN tasks t USING (idempotency_key) WHERE t.id IS NULL" "0"
check "duplicate business documents" \
  "SELECT count(*) FROM (SELECT workflow_id, activity FROM o2c_recorded_effects GROUP BY 1, 2 HAVING count(*) > 1) d" "0"
check "events not applied" "SELECT count(*) FROM events WHERE processed_at IS NULL" "0"
check "orders with a transition other than the five of the happy path" \
  "SELECT count(*) FROM (SELECT workflow_id FROM transitions t JOIN workflows w ON w.id = t.workflow_id WHERE w.type = 'order' GROUP BY 1 HAVING count(*) <> 5) x" "0"
check "rejected events" "SELECT count(*) FROM transitions WHERE payload ? 'rejected'" "0"
repeats=$(q "SELECT coalesce(sum(calls - 1), 0) FROM o2c_recorded_effects")
retried=$(q "SELECT count(*) FROM tasks WHERE attempt > 1")
echo "calls repeated after a crash (answered from the idempotency key): $repeats; tasks re-leased: $retried"
echo "crash_recovery: $passed passed, $failed failed"
[ "$failed" = 0 ]
