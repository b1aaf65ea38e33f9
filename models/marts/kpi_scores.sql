-- Published KPI points (marts.kpi_scores): one row per month, level, entity and
-- scored KPI; a KPI without a value keeps its row with the rule's weight and
-- NULL points. rule_type and target (in the KPI's published unit; for a tiered
-- rule, the threshold of its best band) let a report show what was aimed at.
with best_bands as (
    select
        rule_set,
        kpi_code,
        max(band_score) as band_score
    from {{ ref('scoring_bands') }}
    group by rule_set, kpi_code
),

targets as (
    select
        rules.level,
        rules.rule_set,
        rules.kpi_code,
        rules.rule_type,
        coalesce(rules.target, bands.threshold) / rules.scale as target
    from {{ ref('score_rules') }} as rules
    left join best_bands
        on best_bands.rule_set = rules.rule_set
        and best_bands.kpi_code = rules.kpi_code
    left join {{ ref('scoring_bands') }} as bands
        on bands.rule_set = best_bands.rule_set
        and bands.kpi_code = best_bands.kpi_code
        and bands.band_score = best_bands.band_score
)

select
    points.period_start,
    points.level,
    points.entity_id,
    points.rule_set,
    points.kpi_code,
    points.value,
    points.weight,
    points.points,
    targets.rule_type,
    cast(targets.target as {{ type_double() }}) as target
from {{ ref('score_points') }} as points
left join targets
    on targets.level = points.level
    and targets.rule_set = points.rule_set
    and targets.kpi_code = points.kpi_code
