#!/usr/bin/env bash
# `o2c serve --config`: a bad policy file is refused before anything starts, in words that name
# the key, and with exit 2.
set -euo pipefail
o2c="$1"
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
export O2C_DATABASE_URL="$O2C_TEST_DATABASE_URL"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
passed=0; failed=0
expect_refusal() {  # NAME FILE-CONTENT-OR-EMPTY EXPECTED-TEXT
  local file="$dir/$1.json"
  [ -n "$2" ] && printf '%s' "$2" >"$file"
  set +e; err=$("$o2c" serve --config "$file" 2>&1); code=$?; set -e
  if [ "$code" = 2 ] && grep -qF "$3" <<<"$err"; then passed=$((passed + 1)); echo "ok   $1";
  else failed=$((failed + 1)); echo "FAIL $1: exit $code: $err"; fi
}
expect_refusal missing "" "cannot read --config"
expect_refusal not_json '{"downstreams": ' "is not valid JSON"
expect_refusal bad_value '{"downstreams": {"erp": {"breaker": {"failures": 0}}}}' "downstreams.erp.breaker.failures"
expect_refusal unknown_key '{"downstreams": {"erp": {"rate_limt_per_s": 10}}}' "rate_limt_per_s"
echo "serve_config: $passed passed, $failed failed"
[ "$failed" = 0 ]
