-- The pay sheet (绩效工资, marts.pay_sheet; columns and types: the contract in
-- models/marts/_marts.yml): one row per month and agent with a month
-- scorecard. Amounts are computed in exact whole numbers, the same on every
-- engine: pay_base and effective_pay_ratio are taken to 4 decimals, proration
-- is a ratio of day counts, and performance_pay is rounded half away from zero
-- to the cent by integer arithmetic (all terms are at least 0, so half away
-- from zero is half up); net_amount is summed in whole cents (award and fine
-- taken to the cent).
{%- set floor = 'cast(' ~ var('frontline_pay_floor', 0.75) ~ ' as ' ~ type_double() ~ ')' %}

with cards as (
    select
        period_start,
        entity_id as agent_id,
        assessed,
        total_score,
        grade,
        pay_ratio,
        award_amount,
        cast({{ dbt.last_day('period_start', 'month') }} as date) as month_end
    from {{ ref('score_month_cards') }}
    where level = 'agent'
),

-- The month's scheduled and present days (attendance rows), as assessment counted them.
attendance as (
    select
        agent_id,
        period_start as month_start,
        scheduled_days,
        present_days
    from {{ ref('score_assessment') }}
),

fines as (
    select
        period_start,
        entity_id as agent_id,
        value as fine_amount
    from {{ ref('score_kpi_values') }}
    where kpi_code = 'fine_amount' and period_grain = 'month' and level = 'agent'
),

-- The roster's pay_base, else the seed row of the role and the agent's level, else the role's row without a level.
pay_bases as (
    select
        agents.agent_id,
        coalesce(agents.pay_base, by_level.pay_base, by_role.pay_base) as pay_base
    from {{ ref('int_agents') }} as agents
    left join {{ ref('pay_bases') }} as by_level
        on by_level.role = agents.role
        and by_level.level = agents.staff_level
    left join {{ ref('pay_bases') }} as by_role
        on by_role.role = agents.role
        and by_role.level is null
),

sheet as (
    select
        cards.period_start,
        cards.agent_id,
        agents.agent_name,
        agent_months.team,
        agent_months.department,
        agents.role,
        agents.staff_level as level,
        cards.assessed,
        cards.total_score,
        cards.grade,
        cards.pay_ratio,
        -- The floor is a guaranteed minimum for frontline roles: an assessed agent of one without a pay ratio
        -- (no KPI had a value) gets the floor; any other role without one has no ratio, and no pay amount.
        case
            when not cards.assessed then 0
            when agents.role in ('agent', 'property_agent')
                then greatest(coalesce(cards.pay_ratio, {{ floor }}), {{ floor }})
            else cards.pay_ratio
        end as effective_pay_ratio,
        pay_bases.pay_base,
        cards.award_amount,
        coalesce(fines.fine_amount, 0) as fine_amount,
        agents.left_on is not null and agents.left_on between cards.period_start and cards.month_end as left_this_month,
        case when agents.hired_on > cards.period_start then agents.hired_on else cards.period_start end as employed_from,
        agents.left_on,
        cards.month_end,
        attendance.scheduled_days,
        attendance.present_days
    from cards
    inner join {{ ref('int_agents') }} as agents
        on agents.agent_id = cards.agent_id
    inner join pay_bases
        on pay_bases.agent_id = cards.agent_id
    left join {{ ref('int_agent_months') }} as agent_months
        on agent_months.agent_id = cards.agent_id
        and agent_months.month_start = cards.period_start
    left join attendance
        on attendance.agent_id = cards.agent_id
        and attendance.month_start = cards.period_start
    left join fines
        on fines.agent_id = cards.agent_id
        and fines.period_start = cards.period_start
),

spans as (
    select
        *,
        {{ days_between('employed_from', 'left_on') }} + 1 as days_employed,
        {{ days_between('period_start', 'month_end') }} + 1 as days_in_month
    from sheet
),

-- proration = proration_days / proration_of: 1 except in the month the agent left.
prorated as (
    select
        *,
        case
            when not left_this_month then 1
            when scheduled_days > 0 then present_days
            else greatest(days_employed, 0)
        end as proration_days,
        case
            when not left_this_month then 1
            when scheduled_days > 0 then scheduled_days
            else days_in_month
        end as proration_of
    from spans
),

-- pay_base and ratio in units of 1e-4 (yuan, ratio): pay_units x ratio_units x proration_days is the amount in
-- 1e-8 yuan x proration_of, i.e. 1e-6 cents x proration_of.
exact as (
    select
        *,
        cast(round(pay_base * 10000) as bigint) * cast(round(effective_pay_ratio * 10000) as bigint)
        * cast(proration_days as bigint) as pay_numerator,
        cast(proration_of as bigint) * 1000000 as pay_denominator
    from prorated
),

-- cents = floor((2 x numerator + denominator) / (2 x denominator)): the quotient rounded half up, as whole numbers.
cents as (
    select
        *,
        (2 * pay_numerator + pay_denominator - (2 * pay_numerator + pay_denominator) % (2 * pay_denominator))
        / (2 * pay_denominator) as pay_cents
    from exact
)

select
    period_start,
    agent_id,
    agent_name,
    team,
    department,
    role,
    level,
    assessed,
    total_score,
    grade,
    pay_ratio,
    cast(effective_pay_ratio as {{ type_double() }}) as effective_pay_ratio,
    cast(pay_base as {{ type_double() }}) as pay_base,
    cast(proration_days as {{ type_double() }}) / proration_of as proration,
    cast(pay_cents as {{ type_double() }}) / 100 as performance_pay,
    cast(award_amount as {{ type_double() }}) as award_amount,
    cast(fine_amount as {{ type_double() }}) as fine_amount,
    cast(
        cast(pay_cents as bigint) + cast(round(award_amount * 100) as bigint) - cast(round(fine_amount * 100) as bigint)
        as {{ type_double() }}
    ) / 100 as net_amount
from cents
