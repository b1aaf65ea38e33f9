-- The roster used for attribution: every roster row is an agent entity,
-- whatever its role, with its current team for all periods.
select
    agent_id,
    agent_name,
    team,
    role,
    hired_on,
    left_on
from {{ ref('stg_agents') }}
