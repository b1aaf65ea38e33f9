-- The roster used for attribution: every roster row is an agent entity,
-- whatever its role, with its name, role and dates from the latest roster
-- (raw.agents). Its team and department depend on the month: int_agent_months.
select
    agent_id,
    agent_name,
    role,
    hired_on,
    left_on
from {{ ref('stg_agents') }}
