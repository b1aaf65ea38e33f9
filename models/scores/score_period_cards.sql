-- The quarter, half-year (H1 January-June, H2 July-December) and year
-- scorecards, from the month scorecards (score_month_cards): one row per
-- period, level and entity with a month scorecard in the period, for the
-- periods whose last month is on or before the latest month with records (a
-- running period has no row yet). total_score = the mean of the totals of
-- the entity's assessed months; an assessed month without a total (no KPI
-- had a value) is left out of the mean, as a month without a total has no
-- score to average; NULL when no assessed month has one. Grade as for months
-- (grade_bands), rank within (grain, period, level, rule_set) over the
-- entities with a total, ties shared; excellent on year rows only, for rank
-- <= excellent_top. rule_set: that of the period's last assessed month, else
-- its last month with a scorecard; entity_name: its latest month's. No pay
-- ratio, award, flags, scored weight, base score or adjustments: those are
-- monthly. Not assessed (no assessed month): reason no_assessed_month.
{%- set excellent_top = var('excellent_top', 3) %}

with truncated as (
    select
        *,
        cast({{ dbt.date_trunc('year', 'period_start') }} as date) as year_start,
        cast({{ dbt.date_trunc('quarter', 'period_start') }} as date) as quarter_start
    from {{ ref('score_month_cards') }}
),

-- H1 starts on the year's first day, H2 six months later.
months as (
    select
        *,
        case
            when extract(month from period_start) <= 6 then year_start
            else cast({{ dbt.dateadd('month', 6, 'year_start') }} as date)
        end as half_start
    from truncated
),

latest as (
    select max(period_start) as last_month
    from {{ ref('int_periods') }}
    where period_grain = 'month'
),

-- Each month card in each of its periods, with the period's number of months.
in_periods as (
    select
        'quarter' as period_grain,
        months.quarter_start as grain_start,
        3 as month_count,
        months.*
    from months
    union all
    select
        'half_year' as period_grain,
        months.half_start as grain_start,
        6 as month_count,
        months.*
    from months
    union all
    select
        'year' as period_grain,
        months.year_start as grain_start,
        12 as month_count,
        months.*
    from months
),

closed as (
    select in_periods.*
    from in_periods
    cross join latest
    where cast({{ dbt.dateadd('month', 'in_periods.month_count - 1', 'in_periods.grain_start') }} as date) <= latest.last_month
),

-- The month whose rule set the period takes (last assessed, else last) and the latest month (its name).
ordered as (
    select
        *,
        row_number() over (
            partition by period_grain, grain_start, level, entity_id
            order by case when assessed then 1 else 0 end desc, period_start desc
        ) as rule_set_order,
        row_number() over (
            partition by period_grain, grain_start, level, entity_id
            order by period_start desc
        ) as name_order
    from closed
),

periods as (
    select
        period_grain,
        grain_start as period_start,
        level,
        entity_id,
        max(case when name_order = 1 then entity_name end) as entity_name,
        max(case when rule_set_order = 1 then rule_set end) as rule_set,
        {{ exact_sum('case when assessed then total_score end') }}
        / nullif(count(case when assessed then total_score end), 0) as total_score,
        max(case when assessed then 1 else 0 end) as assessed_months,
        -- Ranks are taken among the entities with a total only, whatever the engine's NULL order.
        case when count(case when assessed then total_score end) > 0 then 1 else 0 end as has_total
    from ordered
    group by period_grain, grain_start, level, entity_id
),

ranked as (
    select
        *,
        case
            when total_score is not null
                then rank() over (partition by period_grain, period_start, level, rule_set, has_total order by total_score desc)
        end as score_rank,
        count(total_score) over (partition by period_grain, period_start, level, rule_set) as ranked_entities
    from periods
),

grades as (
    select
        ranked.period_grain,
        ranked.period_start,
        ranked.level,
        ranked.entity_id,
        bands.grade,
        row_number() over (
            partition by ranked.period_grain, ranked.period_start, ranked.level, ranked.entity_id
            order by {{ score_band_order('bands') }}
        ) as band_order
    from ranked
    inner join {{ ref('grade_bands') }} as bands
        on {{ score_band_met('ranked.total_score', 'bands') }}
    where ranked.total_score is not null
)

select
    ranked.period_grain,
    ranked.period_start,
    ranked.level,
    ranked.entity_id,
    ranked.entity_name,
    ranked.rule_set,
    cast(ranked.total_score as {{ type_double() }}) as total_score,
    cast(null as {{ type_double() }}) as scored_weight,
    grades.grade,
    cast(ranked.score_rank as integer) as rank,
    cast(ranked.ranked_entities as integer) as ranked_entities,
    cast(null as {{ type_double() }}) as pay_ratio,
    cast(0 as {{ type_double() }}) as award_amount,
    false as improvement_plan_required,
    false as at_risk,
    ranked.assessed_months = 1 as assessed,
    case when ranked.assessed_months = 0 then 'no_assessed_month' end as not_assessed_reason,
    cast(null as {{ type_double() }}) as base_score,
    cast(null as {{ type_double() }}) as adjustment_points,
    coalesce(ranked.period_grain = 'year' and ranked.score_rank <= {{ excellent_top }}, false) as excellent
from ranked
left join grades
    on grades.period_grain = ranked.period_grain
    and grades.period_start = ranked.period_start
    and grades.level = ranked.level
    and grades.entity_id = ranked.entity_id
    and grades.band_order = 1
