{#
  Scoring (docs/scoring.md): the rules are data in the scoring seeds;
  nothing here names a KPI.
#}

{#
  How far `value` is past (>= 0) or short of (< 0) `bound` in the good
  direction, in millionths of the rule's unit, rounded: comparisons and
  shortfalls are taken to 6 decimals, so 88% against 90% is exactly 2 units.
#}
{% macro score_margin(value, bound, direction) -%}
    round((case when {{ direction }} = 'down' then {{ bound }} - {{ value }} else {{ value }} - {{ bound }} end) * 1000000)
{%- endmacro %}

{#
  Points per (month, entity, rule) for the assessed entities of
  score_entity_rule_sets chosen by `level_condition` (SQL on its level), from
  `kpi_values` (a relation with kpi_values' columns, month rows read), in two
  components:
  - `item`: every rule of the entity's rule set at its level (score_rules),
    weighted; a KPI without a value (or without a row in `kpi_values`) has
    NULL points;
  - `adjustment`: every adjustment of the rule set at the level
    (score_adjustment_rules), weight NULL, points signed (negative for
    deductions), 0 when the KPI has no value.
  Usage: `{{ kpi_points(ref('score_measured_kpi_values'), "level = 'agent'") }}`, a whole query.
#}
{% macro kpi_points(kpi_values, level_condition) %}
with entities as (
    select
        period_start,
        level,
        entity_id,
        rule_set
    from {{ ref('score_entity_rule_sets') }}
    where assessed and {{ level_condition }}
),

valued as (
    select
        entities.period_start,
        entities.level,
        entities.entity_id,
        rules.rule_set,
        rules.kpi_code,
        rules.weight,
        rules.rule_type,
        rules.direction,
        rules.target,
        rules.unit,
        rules.penalty,
        rules.zero_at_units,
        kpi.value,
        kpi.value * rules.scale as rule_value
    from entities
    inner join {{ ref('score_rules') }} as rules
        on rules.rule_set = entities.rule_set
        and rules.level = entities.level
    left join {{ kpi_values }} as kpi
        on kpi.period_grain = 'month'
        and kpi.period_start = entities.period_start
        and kpi.level = entities.level
        and kpi.entity_id = entities.entity_id
        and kpi.kpi_code = rules.kpi_code
),

-- deduct_per_unit: the whole units short of the target (0 on or beyond it).
units_short as (
    select
        *,
        case when rule_type = 'deduct_per_unit' then floor(
            greatest(-{{ score_margin('rule_value', 'target', 'direction') }}, 0) / round(unit * 1000000)
        ) end as units_short
    from valued
),

-- Tiered rules: the bands the value meets, best first.
bands_met as (
    select
        valued.period_start,
        valued.level,
        valued.entity_id,
        valued.kpi_code,
        bands.band_score,
        row_number() over (
            partition by valued.period_start, valued.level, valued.entity_id, valued.kpi_code
            order by case when valued.direction = 'down' then bands.threshold else -bands.threshold end
        ) as band_order
    from valued
    inner join {{ ref('scoring_bands') }} as bands
        on bands.rule_set = valued.rule_set
        and bands.kpi_code = valued.kpi_code
    where valued.rule_type = 'tiered'
        and {{ score_margin('valued.rule_value', 'bands.threshold', 'valued.direction') }} >= 0
),

adjusting as (
    select
        entities.period_start,
        entities.level,
        entities.entity_id,
        adjustments.rule_set,
        adjustments.kpi_code,
        adjustments.adjustment,
        adjustments.free_units,
        adjustments.points_per_unit,
        adjustments.max_points,
        kpi.value
    from entities
    inner join {{ ref('score_adjustment_rules') }} as adjustments
        on adjustments.rule_set = entities.rule_set
        and adjustments.level = entities.level
    left join {{ kpi_values }} as kpi
        on kpi.period_grain = 'month'
        and kpi.period_start = entities.period_start
        and kpi.level = entities.level
        and kpi.entity_id = entities.entity_id
        and kpi.kpi_code = adjustments.kpi_code
),

-- The size of each adjustment before its sign: escalating_deduct charges the
-- k-th unit past free_units k x points_per_unit, k(k+1)/2 x points_per_unit in all.
adjustment_sizes as (
    select
        *,
        case
            when value is null then 0
            when adjustment = 'escalating_deduct' then points_per_unit * (
                greatest(floor(value - free_units), 0) * (greatest(floor(value - free_units), 0) + 1) / 2
            )
            else points_per_unit * value
        end as uncapped
    from adjusting
)

select
    units_short.period_start,
    units_short.level,
    units_short.entity_id,
    units_short.rule_set,
    'item' as component,
    units_short.kpi_code,
    units_short.rule_type,
    units_short.value,
    cast(units_short.weight as {{ type_double() }}) as weight,
    cast(case
        when units_short.value is null then null
        when units_short.rule_type = 'deduct_per_unit' then case
            when units_short.units_short >= units_short.zero_at_units then 0
            else greatest(units_short.weight - units_short.penalty * units_short.units_short, 0)
        end
        when units_short.rule_type = 'tiered' then coalesce(bands_met.band_score, 0) * units_short.weight / 100
        when units_short.rule_type = 'proportional'
            then greatest(units_short.weight * least(units_short.rule_value / units_short.target, 1), 0)
    end as {{ type_double() }}) as points
from units_short
left join bands_met
    on bands_met.period_start = units_short.period_start
    and bands_met.level = units_short.level
    and bands_met.entity_id = units_short.entity_id
    and bands_met.kpi_code = units_short.kpi_code
    and bands_met.band_order = 1
union all
select
    period_start,
    level,
    entity_id,
    rule_set,
    'adjustment' as component,
    kpi_code,
    adjustment as rule_type,
    value,
    cast(null as {{ type_double() }}) as weight,
    cast(case
        when adjustment = 'bonus' then least(uncapped, coalesce(max_points, uncapped))
        else 0 - least(uncapped, coalesce(max_points, uncapped))
    end as {{ type_double() }}) as points
from adjustment_sizes
{% endmacro %}

{#
  One row per entity and month of score_entity_rule_sets chosen by
  `level_condition` (SQL on its level), from the points of `points` (kpi_points'
  columns): base_score = score_total of the items (NULL when none has points),
  scored_weight, adjustment_points = Σ adjustment points (0 when none), and
  total_score = base_score + adjustment_points clamped to [0, 100] (NULL with a
  NULL base_score). A not-assessed entity has every score NULL. A whole query.
#}
{% macro entity_totals(points, level_condition) %}
select
    entities.period_start,
    entities.level,
    entities.entity_id,
    entities.rule_set,
    entities.assessed,
    entities.not_assessed_reason,
    cast(items.base_score as {{ type_double() }}) as base_score,
    cast(case when entities.assessed then coalesce(items.scored_weight, 0) end as {{ type_double() }}) as scored_weight,
    cast(case when entities.assessed then coalesce(adjustments.adjustment_points, 0) end as {{ type_double() }})
        as adjustment_points,
    cast(case
        when items.base_score is not null
            then least(greatest(items.base_score + coalesce(adjustments.adjustment_points, 0), 0), 100)
    end as {{ type_double() }}) as total_score
from (
    select *
    from {{ ref('score_entity_rule_sets') }}
    where {{ level_condition }}
) as entities
left join (
    select
        period_start,
        level,
        entity_id,
        {{ score_total('points', 'weight') }} as base_score,
        {{ scored_weight('points', 'weight') }} as scored_weight
    from {{ points }}
    where component = 'item'
    group by period_start, level, entity_id
) as items
    on items.period_start = entities.period_start
    and items.level = entities.level
    and items.entity_id = entities.entity_id
left join (
    select
        period_start,
        level,
        entity_id,
        {{ exact_sum('points') }} as adjustment_points
    from {{ points }}
    where component = 'adjustment'
    group by period_start, level, entity_id
) as adjustments
    on adjustments.period_start = entities.period_start
    and adjustments.level = entities.level
    and adjustments.entity_id = entities.entity_id
{% endmacro %}

{# The scorecard total over rows of (points, weight): 100 x Σpoints / Σweight of the KPIs with points; NULL without any. #}
{% macro score_total(points, weight) -%}
    100 * {{ exact_sum(points) }} / nullif({{ exact_sum('case when ' ~ points ~ ' is not null then ' ~ weight ~ ' end') }}, 0)
{%- endmacro %}

{# The weight behind score_total: Σweight of the KPIs with points, 0 without any. #}
{% macro scored_weight(points, weight) -%}
    coalesce({{ exact_sum('case when ' ~ points ~ ' is not null then ' ~ weight ~ ' end') }}, 0)
{%- endmacro %}

{#
  Grade and pay bands (min_score, includes_min): `score_band_met` is the join
  condition of a band the score meets, `score_band_order` orders the met
  bands best first for row_number().
#}
{% macro score_band_met(score, band) -%}
    ({{ score }} > {{ band }}.min_score or ({{ band }}.includes_min and {{ score }} = {{ band }}.min_score))
{%- endmacro %}

{% macro score_band_order(band) -%}
    {{ band }}.min_score desc
{%- endmacro %}

{# Every band row belongs to a tiered rule of scoring_rules. #}
{% test belongs_to_tiered_rule(model) %}
select bands.*
from {{ model }} as bands
left join {{ ref('scoring_rules') }} as rules
    on rules.rule_set = bands.rule_set
    and rules.kpi_code = bands.kpi_code
    and rules.rule_type = 'tiered'
where rules.kpi_code is null
{% endtest %}
