-- 员工流失率: roster agents whose left_on is in the period / roster agents active
-- at the period start (the first day of the month, quarter or year): hired_on
-- NULL or before the start, and left_on NULL or on/after the start. An agent
-- hired and gone inside the period counts in the numerator only. Centre (every
-- period of the spine), department and team levels: a leaver counts for its
-- team and department in the month of left_on, an active agent for its team and
-- department in the period's first month (int_agent_months, the roster snapshot
-- in force); an agent without a department reaches no department.
with periods as (
    select
        period_grain,
        period_start,
        period_end
    from {{ ref('int_periods') }}
    where {{ period_in_refresh_window('period_grain', 'period_start') }}
),

employed as (
    select
        periods.period_grain,
        periods.period_start,
        agents.agent_id,
        agents.left_on,
        case
            when agents.left_on between periods.period_start and periods.period_end then 1
            else 0
        end as has_left,
        case
            when (agents.hired_on is null or agents.hired_on < periods.period_start)
                and (agents.left_on is null or agents.left_on >= periods.period_start) then 1
            else 0
        end as is_active_at_start
    from periods
    inner join {{ ref('int_agents') }} as agents
        on (agents.hired_on is null or agents.hired_on <= periods.period_end)
        and (agents.left_on is null or agents.left_on >= periods.period_start)
),

unit_counts as (
    select
        employed.period_grain,
        employed.period_start,
        start_month.team,
        start_month.department,
        0 as has_left,
        1 as is_active_at_start
    from employed
    inner join {{ ref('int_agent_months') }} as start_month
        on start_month.agent_id = employed.agent_id
        and start_month.month_start = employed.period_start
    where employed.is_active_at_start = 1
    union all
    select
        employed.period_grain,
        employed.period_start,
        left_month.team,
        left_month.department,
        1 as has_left,
        0 as is_active_at_start
    from employed
    inner join {{ ref('int_agent_months') }} as left_month
        on left_month.agent_id = employed.agent_id
        and left_month.month_start = cast({{ dbt.date_trunc('month', 'employed.left_on') }} as date)
    where employed.has_left = 1
)

select
    periods.period_grain,
    periods.period_start,
    'center' as level,
    'center' as entity_id,
    cast(coalesce(sum(employed.has_left), 0) as {{ type_double() }}) as numerator,
    cast(coalesce(sum(employed.is_active_at_start), 0) as {{ type_double() }}) as denominator
from periods
left join employed
    on employed.period_grain = periods.period_grain
    and employed.period_start = periods.period_start
group by periods.period_grain, periods.period_start
union all
select
    period_grain,
    period_start,
    'department' as level,
    department as entity_id,
    cast(sum(has_left) as {{ type_double() }}) as numerator,
    cast(sum(is_active_at_start) as {{ type_double() }}) as denominator
from unit_counts
where department is not null
group by period_grain, period_start, department
union all
select
    period_grain,
    period_start,
    'team' as level,
    team as entity_id,
    cast(sum(has_left) as {{ type_double() }}) as numerator,
    cast(sum(is_active_at_start) as {{ type_double() }}) as denominator
from unit_counts
group by period_grain, period_start, team
