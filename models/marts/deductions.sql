-- The deduction ledger: one row per violation with its effective points and
-- fine and where it is attributed (int_violations). The free-text description
-- is never carried: it may name people or owners.
select
    violation_id,
    occurred_at,
    period_start,
    level_reached,
    agent_id,
    team,
    department,
    category,
    inspector_level,
    points,
    fine_amount
from {{ ref('int_violations') }}
