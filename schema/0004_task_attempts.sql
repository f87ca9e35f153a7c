-- Every attempt of a task that came to an outcome, for the trace (INTERFACES.md: "every activity
-- attempt (time, outcome, error, duration, downstream document ids)").
--
-- Written in the SAME statement as the outcome it records: the step commit that consumes the
-- task (succeeded, failed, dead; engine/pg_step_sql.cc) or the reschedule of a retry
-- (engine/pg_workflow_store.cc). So no row is ever missing for an outcome that committed, and
-- no row exists for one that did not. A lease whose worker stopped mid-call leaves a gap in the
-- attempt numbers below tasks.attempt; the trace names it. A call refused by a circuit breaker
-- or rate limit (DeferTask) never reached the downstream and is not an attempt.
--
-- Why `round`: an operator's retry or replay (engine/ops/operator_store.cc) sets tasks.attempt
-- back to 0, so attempt numbers start again at 1. Each restart is a new round; a row whose
-- attempt number is not above the task's latest recorded one opens the next round.
--
-- ON DELETE CASCADE: an attempt means nothing without its task, and code that removes tasks
-- (the benchmarks' clean-up) should not have to know about this table.
CREATE TABLE task_attempts (
  task_id     bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  round       integer NOT NULL DEFAULT 1,
  attempt     integer NOT NULL,  -- tasks.attempt of the lease that made it
  worker      text NOT NULL,
  started_at  timestamptz NOT NULL,  -- the worker's clock just before it called the activity
  finished_at timestamptz NOT NULL,  -- the commit that recorded the outcome
  outcome     text NOT NULL,
  error       text,
  error_class text,  -- permanent | conflict | exhausted ...; NULL when the worker did not say
  PRIMARY KEY (task_id, round, attempt),
  CONSTRAINT task_attempts_outcome_known
    CHECK (outcome IN ('succeeded', 'retry', 'failed', 'dead')),
  CONSTRAINT task_attempts_finished_after_start CHECK (finished_at >= started_at),
  CONSTRAINT task_attempts_failure_has_error CHECK (outcome = 'succeeded' OR error IS NOT NULL),
  CONSTRAINT task_attempts_attempt_positive CHECK (attempt > 0 AND round > 0)
);
-- No further index: the trace reads the attempts of a set of tasks by task_id, which the primary
-- key serves, and each extra index would be paid on every outcome.
