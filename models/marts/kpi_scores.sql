-- Published KPI points (marts.kpi_scores): one row per month, level, entity,
-- component and KPI of the entity's rule set, for the assessed entities.
-- Items (the weighted rules): a KPI without a value keeps its row with the
-- rule's weight and NULL points; rule_type and target (in the KPI's published
-- unit; for a tiered rule, the threshold of its best band) let a report show
-- what was aimed at. Adjustments: rule_type = the adjustment type, value = the
-- units, weight and target NULL, points signed.
with bands as (
    select
        rules.level,
        rules.rule_set,
        rules.kpi_code,
        bands.threshold,
        -- The best band: the highest band score, reached at its easiest threshold.
        row_number() over (
            partition by rules.level, rules.rule_set, rules.kpi_code
            order by
                bands.band_score desc,
                case when rules.direction = 'down' then -bands.threshold else bands.threshold end
        ) as band_order
    from {{ ref('score_rules') }} as rules
    inner join {{ ref('scoring_bands') }} as bands
        on bands.rule_set = rules.rule_set
        and bands.kpi_code = rules.kpi_code
    where rules.rule_type = 'tiered'
),

targets as (
    select
        rules.level,
        rules.rule_set,
        rules.kpi_code,
        coalesce(rules.target, bands.threshold) / rules.scale as target
    from {{ ref('score_rules') }} as rules
    left join bands
        on bands.level = rules.level
        and bands.rule_set = rules.rule_set
        and bands.kpi_code = rules.kpi_code
        and bands.band_order = 1
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
    points.rule_type,
    cast(targets.target as {{ type_double() }}) as target,
    points.component
from {{ ref('score_points') }} as points
left join targets
    on points.component = 'item'
    and targets.level = points.level
    and targets.rule_set = points.rule_set
    and targets.kpi_code = points.kpi_code
