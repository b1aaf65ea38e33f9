-- One row per month, level and entity with a rule set: total_score =
-- 100 x Σpoints / Σweight over the KPIs with a value (NULL when none has one),
-- scored_weight = that Σweight (0 when none), and the entity's name.
with totals as (
    select
        period_start,
        level,
        entity_id,
        rule_set,
        {{ score_total('points', 'weight') }} as total_score,
        {{ scored_weight('points', 'weight') }} as scored_weight
    from {{ ref('score_points') }}
    group by period_start, level, entity_id, rule_set
)

select
    totals.period_start,
    totals.level,
    totals.entity_id,
    entities.entity_name,
    totals.rule_set,
    cast(totals.total_score as {{ type_double() }}) as total_score,
    cast(totals.scored_weight as {{ type_double() }}) as scored_weight
from totals
left join {{ ref('int_kpi_entities') }} as entities
    on entities.period_grain = 'month'
    and entities.period_start = totals.period_start
    and entities.level = totals.level
    and entities.entity_id = totals.entity_id
