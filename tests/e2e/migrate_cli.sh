#!/usr/bin/env bash
# `o2c migrate` as a user runs it: applies to an empty database, is a no-op the second time,
# reports status, and refuses (exit 3, a sentence naming the file) when a landed file changed.
set -euo pipefail
o2c="$1"
: "${O2C_TEST_DATABASE_URL:?run through ops/test (O2C_TEST_DATABASE_URL)}"
db="o2c_e2e_migrate_$$"
admin() { psql "$O2C_TEST_DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE DATABASE $db"
trap 'admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
export O2C_DATABASE_URL="$O2C_TEST_DATABASE_URL dbname=$db"
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$o2c" migrate) || fail "first migrate exited $?"
grep -q "applied migration 1" <<<"$out" || fail "first migrate said: $out"
out=$("$o2c" migrate) || fail "second migrate exited $?"
grep -q "schema is current" <<<"$out" || fail "second migrate said: $out"
out=$("$o2c" migrate --status) || fail "status exited $?"
grep -q "0001_initial.sql  applied" <<<"$out" || fail "status said: $out"

psql "$O2C_DATABASE_URL" -qtAX -c "UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1"
set +e
err=$("$o2c" migrate 2>&1); code=$?
set -e
[ "$code" = 3 ] || fail "a changed migration gave exit $code, want 3: $err"
grep -q "0001_initial.sql was changed after it was applied" <<<"$err" || fail "refusal said: $err"
set +e
"$o2c" migrate --status >/dev/null 2>&1; code=$?
set -e
[ "$code" = 3 ] || fail "status of a changed migration gave exit $code, want 3"

set +e
err=$(O2C_DATABASE_URL= "$o2c" migrate 2>&1); code=$?
set -e
[ "$code" = 2 ] || fail "no database gave exit $code, want 2"
grep -q "O2C_DATABASE_URL" <<<"$err" || fail "no-database error said: $err"
echo "migrate_cli: 5 passed, 0 failed"
