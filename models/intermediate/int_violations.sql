-- Violations with the figures every reader of them shares: the effective
-- points (points, else the category's default_points from the seed
-- violation_categories) and fine (fine_yuan, 0 included, else effective points
-- x fine_per_point), and where they are attributed. A violation of a rostered
-- agent reaches the agent, the agent's team and department of the month it
-- occurred (int_agent_months, the roster snapshot in force), and the centre;
-- one with only a team (no agent_id, or one not on the roster) reaches that
-- team and the centre; one with neither the centre only. level_reached is the
-- lowest of those levels. The deduction KPIs and marts.deductions read it.
with violations as (
    select
        violation_id,
        occurred_at,
        occurred_date,
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date) as period_start,
        agent_id,
        team,
        category,
        inspector_level,
        cast(points as {{ type_double() }}) as points,
        cast(fine_yuan as {{ type_double() }}) as fine_yuan
    from {{ ref('stg_violations') }}
),

effective as (
    select
        violations.violation_id,
        violations.occurred_at,
        violations.occurred_date,
        violations.period_start,
        violations.agent_id,
        roster.agent_id as roster_agent_id,
        case when roster.agent_id is null then violations.team else agent_months.team end as team,
        case when roster.agent_id is null then null else agent_months.department end as department,
        violations.category,
        violations.inspector_level,
        coalesce(violations.points, cast(categories.default_points as {{ type_double() }})) as points,
        violations.fine_yuan
    from violations
    left join {{ ref('int_agents') }} as roster
        on roster.agent_id = violations.agent_id
    left join {{ ref('int_agent_months') }} as agent_months
        on agent_months.agent_id = violations.agent_id
        and agent_months.month_start = violations.period_start
    left join {{ ref('violation_categories') }} as categories
        on categories.category = violations.category
)

select
    violation_id,
    occurred_at,
    occurred_date,
    period_start,
    agent_id,
    team,
    department,
    case
        when roster_agent_id is not null then 'agent'
        when team is not null then 'team'
        else 'center'
    end as level_reached,
    category,
    inspector_level,
    points,
    coalesce(fine_yuan, points * {{ var('fine_per_point') }}) as fine_amount
from effective
