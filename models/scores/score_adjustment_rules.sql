-- The adjustments of every level: scoring_adjustments with an empty level
-- expanded to every level of its rule set (scoring_rule_sets), with the KPI's
-- unit and levels from the catalogue (kpis) for the build-time checks. A row
-- whose level is not one of its rule set's levels keeps its level and
-- is_level_of_rule_set false.
with rule_set_levels as (
    select distinct
        rule_set,
        level
    from {{ ref('scoring_rule_sets') }}
),

expanded as (
    select
        coalesce(adjustments.level, sets.level) as level,
        adjustments.rule_set,
        adjustments.kpi_code,
        adjustments.adjustment,
        adjustments.free_units,
        adjustments.points_per_unit,
        adjustments.max_points,
        case when sets.level is null then 0 else 1 end as is_level_of_rule_set
    from {{ ref('scoring_adjustments') }} as adjustments
    left join rule_set_levels as sets
        on sets.rule_set = adjustments.rule_set
        and (adjustments.level is null or sets.level = adjustments.level)
)

select
    expanded.level,
    expanded.rule_set,
    expanded.kpi_code,
    expanded.adjustment,
    expanded.free_units,
    expanded.points_per_unit,
    expanded.max_points,
    catalog.unit as kpi_unit,
    expanded.is_level_of_rule_set = 1 as is_level_of_rule_set,
    expanded.level is not null and {{ level_in_levels('expanded.level', 'catalog.levels') }}
        as is_published_at_level
from expanded
left join {{ ref('kpis') }} as catalog
    on catalog.kpi_code = expanded.kpi_code
