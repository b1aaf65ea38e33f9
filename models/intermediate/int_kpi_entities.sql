-- Every (period, level, entity) that gets KPI rows: the centre always; an
-- agent for periods overlapping its employment (hired_on NULL or <= period
-- end, left_on NULL or >= period start); a team (a department) while it has
-- such an agent: for a month of the period in which the agent is employed and
-- in the team (the department) (int_agent_months, the roster snapshot in
-- force). Agents without a department make no department rows.
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

roster_months as (
    select
        agent_months.month_start,
        agent_months.team,
        agent_months.department
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
    'department' as level,
    roster_months.department as entity_id,
    roster_months.department as entity_name
from periods
inner join roster_months
    on roster_months.month_start between periods.period_start and periods.period_end
where roster_months.department is not null
union all
select distinct
    periods.period_grain,
    periods.period_start,
    periods.period_end,
    'team' as level,
    roster_months.team as entity_id,
    roster_months.team as entity_name
from periods
inner join roster_months
    on roster_months.month_start between periods.period_start and periods.period_end
union all
select
    period_grain,
    period_start,
    period_end,
    'agent' as level,
    agent_id as entity_id,
    agent_name as entity_name
from employed
