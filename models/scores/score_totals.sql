-- One row per month, level and entity with a rule set: the agents'
-- (score_agent_totals) and the other levels' totals (entity_totals over
-- score_center_team_points), with the entity's name. total_score =
-- base_score + adjustment_points clamped to [0, 100]; NULL when the base is
-- NULL or the entity is not assessed.
with totals as (
    select
        period_start,
        level,
        entity_id,
        rule_set,
        assessed,
        not_assessed_reason,
        base_score,
        scored_weight,
        adjustment_points,
        total_score
    from {{ ref('score_agent_totals') }}
    union all
    select
        period_start,
        level,
        entity_id,
        rule_set,
        assessed,
        not_assessed_reason,
        base_score,
        scored_weight,
        adjustment_points,
        total_score
    from (
        {{ entity_totals(ref('score_center_team_points'), "level <> 'agent'") }}
    ) as other_levels
)

select
    totals.period_start,
    totals.level,
    totals.entity_id,
    entities.entity_name,
    totals.rule_set,
    totals.assessed,
    totals.not_assessed_reason,
    totals.base_score,
    totals.scored_weight,
    totals.adjustment_points,
    totals.total_score
from totals
left join {{ ref('int_kpi_entities') }} as entities
    on entities.period_grain = 'month'
    and entities.period_start = totals.period_start
    and entities.level = totals.level
    and entities.entity_id = totals.entity_id
