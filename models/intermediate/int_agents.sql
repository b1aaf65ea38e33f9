-- The roster used for attribution: every roster row is an agent entity,
-- whatever its role, with its name, role, level (staff_level), dates and pay base from the
-- latest roster (raw.agents). Its team and department depend on the month:
-- int_agent_months.
select
    agent_id,
    agent_name,
    role,
    level as staff_level,
    hired_on,
    left_on,
    probation_until,
    pay_base
from {{ ref('stg_agents') }}
