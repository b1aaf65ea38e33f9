-- Every (period, level, entity) that gets KPI rows: the centre always; an
-- agent for periods overlapping its employment (hired_on NULL or <= period
-- end, left_on NULL or >= period start); a team while it has such an agent:
-- for a month of the period in which the agent is employed and in the team
-- (int_agent_months, the roster snapshot in force).
with periods as (
    select * from {{ ref('int_periods') }}
),

employed as (
    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        agents.agent_id,
        agents.agent_name
    from periods
    inner join {{ ref('int_agents') }} as agents
        on (agents.hired_on is null or agents.hired_on <= periods.period_end)
        and (agents.left_on is null or agents.left_on >= periods.period_start)
),

team_months as (
    select
        agent_months.month_start,
        agent_months.team
    from {{ ref('int_agent_months') }} as agent_months
    inner join {{ ref('int_agents') }} as agents
        on agents.agent_id = agent_months.agent_id
    where (agents.hired_on is null or agents.hired_on <= agent_months.month_end)
        and (agents.left_on is null or agents.left_on >= agent_months.month_start)
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
    periods.period_grain,
    periods.period_start,
    periods.period_end,
    'team' as level,
    team_months.team as entity_id,
    team_months.team as entity_name
from periods
inner join team_months
    on team_months.month_start between periods.period_start and periods.period_end
union all
select
    period_grain,
    period_start,
    period_end,
    'agent' as level,
    agent_id as entity_id,
    agent_name as entity_name
from employed
