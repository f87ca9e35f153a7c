#!/usr/bin/env bash
# Rate limits. (1) An ERP that allows 10 requests/s, with the engine configured to match: the
# simulator's peak rate never exceeds 10 and it never has to answer 429. (2) A routing service
# answering 429 with Retry-After: 2: the next attempt of that call waits at least 2 s.
set -euo pipefail
o2c="$1"; name=rate_limit
source "$(dirname "$0")/lib/stack.sh"
start_sim '{"rules": [{"match": "POST /erp", "rate_limit": {"per_s": 10, "retry_after_s": 2}},
                      {"match": "POST /routing", "rate_limit": {"per_s": 5, "retry_after_s": 2}}]}'
start_serve '{"downstreams": {"erp": {"rate_limit_per_s": 10}}, "activities": {"*": {"max_attempts": 10}}}'
"$o2c" submit-orders --count 40 --prefix limited >/dev/null
wait_sql "SELECT count(*) FROM workflows WHERE type = 'order' AND status = 'completed'" 40 180
peak="$(sim_stat '.peak_rate_per_s.erp')"
[ "$peak" -le 10 ] || fail "the ERP saw $peak requests in one second"
[ "$(sim_stat '.faults_injected.rate_limited')" -gt 0 ] || fail "routing never answered 429"
# Every routing call that was retried (attempt > 1) left `routing` no sooner than 2 s after it
# entered it: the 429's Retry-After was honoured.
early="$(q "SELECT count(*) FROM tasks t
             JOIN transitions i ON i.workflow_id = t.workflow_id AND i.to_state = 'routing' AND i.from_state <> 'routing'
             JOIN transitions o ON o.workflow_id = t.workflow_id AND o.from_state = 'routing' AND o.to_state <> 'routing'
            WHERE t.activity = 'routing.assign' AND t.attempt > 1 AND o.at - i.at < interval '2 seconds'")"
retried="$(q "SELECT count(*) FROM tasks WHERE activity = 'routing.assign' AND attempt > 1")"
[ "$retried" -gt 0 ] || fail "no routing call was retried"
[ "$early" = 0 ] || fail "$early retried routing calls came back within 2 s"
echo "rate limits: ERP peak $peak/s, $retried routing calls retried after Retry-After: 2, none early"
