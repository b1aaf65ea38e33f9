-- Every (period, level, entity) that gets KPI rows: the centre always; an
-- agent for periods overlapping its employment (hired_on NULL or <= period
-- end, left_on NULL or >= period start); a team while it has such an agent.
with periods as (
    select * from {{ ref('int_periods') }}
),

employed as (
    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        agents.agent_id,
        agents.agent_name,
        agents.team
    from periods
    inner join {{ ref('int_agents') }} as agents
        on (agents.hired_on is null or agents.hired_on <= periods.period_end)
        and (agents.left_on is null or agents.left_on >= periods.period_start)
)

select
    period_grain,
    period_start,
    period_end,
    'center' as level,
    'center' as entity_id,
    '{{ dbt.escape_single_quotes(var("center_name")) }}' as entity_name
from periods
union all
select distinct
    period_grain,
    period_start,
    period_end,
    'team' as level,
    team as entity_id,
    team as entity_name
from employed
union all
select
    period_grain,
    period_start,
    period_end,
    'agent' as level,
    agent_id as entity_id,
    agent_name as entity_name
from employed
