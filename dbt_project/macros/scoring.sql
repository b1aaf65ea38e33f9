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
  Points per (month, entity, rule) for the entities of `kpi_values` (a relation
  with kpi_values' columns) at the levels chosen by `level_condition` (SQL on
  score_rules.level). Every rule of the entity's level gets a row; a KPI
  without a value (or without a row in `kpi_values`) has NULL points.
  Usage: `{{ kpi_points(ref('score_measured_kpi_values'), "level = 'agent'") }}`, a whole query.
#}
{% macro kpi_points(kpi_values, level_condition) %}
with rules as (
    select *
    from {{ ref('score_rules') }}
    where {{ level_condition }}
),

entities as (
    select distinct period_start, level, entity_id
    from {{ kpi_values }}
    where period_grain = 'month'
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
        kpi.value,
        kpi.value * rules.scale as rule_value
    from entities
    inner join rules
        on rules.level = entities.level
    left join {{ kpi_values }} as kpi
        on kpi.period_grain = 'month'
        and kpi.period_start = entities.period_start
        and kpi.level = entities.level
        and kpi.entity_id = entities.entity_id
        and kpi.kpi_code = rules.kpi_code
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
)

select
    valued.period_start,
    valued.level,
    valued.entity_id,
    valued.rule_set,
    valued.kpi_code,
    valued.value,
    valued.weight,
    cast(case
        when valued.value is null then null
        when valued.rule_type = 'deduct_per_unit' then greatest(
            valued.weight - valued.penalty * floor(
                greatest(-{{ score_margin('valued.rule_value', 'valued.target', 'valued.direction') }}, 0)
                / round(valued.unit * 1000000)
            ),
            0
        )
        when valued.rule_type = 'tiered' then coalesce(bands_met.band_score, 0) * valued.weight / 100
        when valued.rule_type = 'proportional' then greatest(valued.weight * least(valued.rule_value / valued.target, 1), 0)
    end as {{ type_double() }}) as points
from valued
left join bands_met
    on bands_met.period_start = valued.period_start
    and bands_met.level = valued.level
    and bands_met.entity_id = valued.entity_id
    and bands_met.kpi_code = valued.kpi_code
    and bands_met.band_order = 1
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
