-- The month scorecards (marts.scorecards publishes them; columns as its
-- contract in models/marts/_marts.yml): score_totals with grade and pay ratio
-- (the best band of grade_bands / pay_bands the total meets), rank within
-- month, level and rule set by total_score desc with shared ties (1, 1, 3)
-- over the entities with a score, the award (ranked within scoring_awards in
-- each of the last award_run_months months, this month's rank sets the
-- amount; a month without a rank breaks the run), the improvement plan (more
-- than improvement_plan_bottom ranked entities in the month, level and rule
-- set, and fewer than that many strictly lower) and at_risk (total below
-- at_risk_below this month and the month before). A NULL total (no scored
-- KPI, or not assessed) has no grade, pay or rank, award 0 and both flags
-- false.
{%- set run_months = var('award_run_months', 3) %}
{%- set bottom = var('improvement_plan_bottom', 3) %}
{%- set at_risk_below = var('at_risk_below', 60) %}

with totals as (
    select
        *,
        -- Ranks are taken among the entities with a total only, whatever the engine's NULL order.
        case when total_score is null then 0 else 1 end as has_total
    from {{ ref('score_totals') }}
),

ranked as (
    select
        *,
        case
            when total_score is not null
                then rank() over (partition by period_start, level, rule_set, has_total order by total_score desc)
        end as score_rank,
        -- 1 + the number of ranked entities strictly lower
        case
            when total_score is not null
                then rank() over (partition by period_start, level, rule_set, has_total order by total_score)
        end as rank_from_bottom,
        count(total_score) over (partition by period_start, level, rule_set) as ranked_entities
    from totals
),

grades as (
    select
        ranked.period_start,
        ranked.level,
        ranked.entity_id,
        bands.grade,
        row_number() over (
            partition by ranked.period_start, ranked.level, ranked.entity_id
            order by {{ score_band_order('bands') }}
        ) as band_order
    from ranked
    inner join {{ ref('grade_bands') }} as bands
        on {{ score_band_met('ranked.total_score', 'bands') }}
    where ranked.total_score is not null
),

pays as (
    select
        ranked.period_start,
        ranked.level,
        ranked.entity_id,
        bands.pay_ratio,
        row_number() over (
            partition by ranked.period_start, ranked.level, ranked.entity_id
            order by {{ score_band_order('bands') }}
        ) as band_order
    from ranked
    inner join {{ ref('pay_bands') }} as bands
        on {{ score_band_met('ranked.total_score', 'bands') }}
    where ranked.total_score is not null
),

awarded as (
    select max(award_rank) as last_awarded_rank
    from {{ ref('scoring_awards') }}
),

-- Months of the last {{ run_months }} (this one included) in which the entity held an awarded rank.
award_runs as (
    select
        ranked.period_start,
        ranked.level,
        ranked.entity_id,
        count(*) as awarded_months
    from ranked
    cross join awarded
    inner join ranked as earlier
        on earlier.level = ranked.level
        and earlier.entity_id = ranked.entity_id
        and earlier.period_start <= ranked.period_start
        and earlier.period_start > {{ dbt.dateadd('month', -run_months, 'ranked.period_start') }}
    where earlier.score_rank <= awarded.last_awarded_rank
    group by ranked.period_start, ranked.level, ranked.entity_id
)

select
    ranked.period_start,
    ranked.level,
    ranked.entity_id,
    ranked.entity_name,
    ranked.rule_set,
    ranked.total_score,
    ranked.scored_weight,
    grades.grade,
    cast(ranked.score_rank as integer) as rank,
    cast(ranked.ranked_entities as integer) as ranked_entities,
    pays.pay_ratio,
    cast(
        coalesce(case when award_runs.awarded_months = {{ run_months }} then awards.award_amount end, 0)
        as {{ type_double() }}
    ) as award_amount,
    coalesce(ranked.ranked_entities > {{ bottom }} and ranked.rank_from_bottom <= {{ bottom }}, false)
        as improvement_plan_required,
    coalesce(ranked.total_score < {{ at_risk_below }} and previous.total_score < {{ at_risk_below }}, false)
        as at_risk,
    ranked.assessed,
    ranked.not_assessed_reason,
    ranked.base_score,
    ranked.adjustment_points
from ranked
left join grades
    on grades.period_start = ranked.period_start
    and grades.level = ranked.level
    and grades.entity_id = ranked.entity_id
    and grades.band_order = 1
left join pays
    on pays.period_start = ranked.period_start
    and pays.level = ranked.level
    and pays.entity_id = ranked.entity_id
    and pays.band_order = 1
left join award_runs
    on award_runs.period_start = ranked.period_start
    and award_runs.level = ranked.level
    and award_runs.entity_id = ranked.entity_id
left join {{ ref('scoring_awards') }} as awards
    on awards.award_rank = ranked.score_rank
left join ranked as previous
    on previous.level = ranked.level
    and previous.entity_id = ranked.entity_id
    and previous.period_start = cast({{ dbt.dateadd('month', -1, 'ranked.period_start') }} as date)
