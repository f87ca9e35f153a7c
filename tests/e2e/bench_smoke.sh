#!/usr/bin/env bash
# The benchmarks as a user runs them, briefly: each prints its JSON lines with every figure the
# README quotes, the figures are real (positive, the sagas all completed), the store bench leaves
# no rows of its own behind, and bad flags are refused with a sentence.
set -euo pipefail
o2c="$1"
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
db="o2c_e2e_bench_$$"
admin() { psql "$O2C_TEST_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE DATABASE $db"
trap 'admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
url="$O2C_TEST_DATABASE_URL dbname=$db"
q() { psql "$url" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0

# Checks one JSON line: every named field present and > 0.
positive() {
  python3 - "$@" <<'EOF' || exit 1
import json, sys
line, fields = json.loads(sys.argv[1]), sys.argv[2:]
bad = [f for f in fields if not (isinstance(line.get(f), (int, float)) and line[f] > 0)]
if bad:
    sys.exit(f"FAIL: fields missing or not positive: {bad} in {sys.argv[1]}")
EOF
}

out=$("$o2c" bench store --database-url "$url" --concurrency 1,4 --seconds 1) ||
  fail "bench store exited $?"
[ "$(wc -l <<<"$out")" = 2 ] || fail "bench store printed, for two levels: $out"
while read -r line; do
  positive "$line" baseline_insert_commits_per_s steps_per_s ratio hand_written_tx_per_s \
    batched_steps_per_s batched_ratio batched_mean_steps_per_commit \
    hand_written_batch_steps_per_s hand_written_batch_size hand_written_batch_ratio \
    batched_ratio_to_hand_written_batch step_p99_ms
done <<<"$out"
size=$(sed -n 2p <<<"$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hand_written_batch_size"])')
[ "$size" = 2 ] || fail "at 4 callers and 2 committers the hand-written batch should be 2 steps: $out"
left=$(q "SELECT (SELECT count(*) FROM workflows) + (SELECT count(*) FROM tasks)
                 + (SELECT count(*) FROM transitions)")
[ "$left" = 0 ] || fail "bench store left $left rows behind"
[ -z "$(q "SELECT to_regclass('o2c_bench_baseline')")" ] || fail "baseline table left behind"
passed=$((passed + 1))

out=$("$o2c" bench saga --database-url "$url" --workflows 40 --concurrency 4 \
  --baseline-seconds 1) || fail "bench saga (backlog) exited $?"
positive "$out" sagas_per_s transitions_per_s step_p50_ms step_p99_ms baseline_insert_commits_per_s \
  machine_cpu_busy_pct bench_process_cpu_ms_per_saga other_cpu_ms_per_saga
grep -q '"completed":40,' <<<"$out" || fail "backlog: not all 40 sagas completed: $out"
grep -q '"shipments_closed":40,' <<<"$out" || fail "backlog: shipments not closed: $out"
passed=$((passed + 1))

out=$("$o2c" bench saga --database-url "$url" --workflows 40 --concurrency 3 --in-flight 3 \
  --baseline-seconds 1) || fail "bench saga (in flight) exited $?"
positive "$out" sagas_per_s step_p99_ms
grep -q '"completed":40,' <<<"$out" || fail "in flight: not all 40 sagas completed: $out"
grep -q '"in_flight":3,' <<<"$out" || fail "in flight: mode not reported: $out"
passed=$((passed + 1))

# The saga ceiling's script (ops/saga-ceiling) still writes complete sagas on today's schema, and
# measures them for a second.
root="${O2C_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
out=$(O2C_BIN="$o2c" "$root/ops/saga-ceiling" --check --clients 1 --seconds 1) ||
  fail "ops/saga-ceiling --check: $out"
positive "$out" sagas_per_s machine_cpu_busy_pct postgres_cpu_ms_per_saga
passed=$((passed + 1))

set +e
err=$("$o2c" bench store --database-url "$url" --concurrency 0 2>&1); code=$?
set -e
[ "$code" = 2 ] || fail "--concurrency 0 gave exit $code, want 2: $err"
grep -q "concurrency must be a comma-separated list of positive numbers" <<<"$err" || fail "refusal said: $err"
passed=$((passed + 1))

echo "bench_smoke: $passed passed, 0 failed"
