-- The scoring rules of every level: scoring_rule_sets (the levels a rule set
-- scores, whatever the role) x scoring_rules, with the KPI's direction and unit
-- from the catalogue (kpis). scale turns a published value into the rule's
-- unit: ratios are scored in percent (x 100), everything else as published.
with band_counts as (
    select
        rule_set,
        kpi_code,
        count(*) as band_count
    from {{ ref('scoring_bands') }}
    group by rule_set, kpi_code
),

rule_set_levels as (
    select distinct
        rule_set,
        level
    from {{ ref('scoring_rule_sets') }}
)

select
    sets.level,
    rules.rule_set,
    rules.kpi_code,
    rules.weight,
    rules.rule_type,
    rules.target,
    rules.unit,
    rules.penalty,
    rules.zero_at_units,
    catalog.direction,
    catalog.unit as kpi_unit,
    case when catalog.unit = 'ratio' then 100 else 1 end as scale,
    {{ level_in_levels('sets.level', 'catalog.levels') }}
        as is_published_at_level,
    coalesce(band_counts.band_count, 0) as band_count
from {{ ref('scoring_rules') }} as rules
inner join rule_set_levels as sets
    on sets.rule_set = rules.rule_set
left join {{ ref('kpis') }} as catalog
    on catalog.kpi_code = rules.kpi_code
left join band_counts
    on band_counts.rule_set = rules.rule_set
    and band_counts.kpi_code = rules.kpi_code
