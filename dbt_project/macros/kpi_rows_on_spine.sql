{# True when `level` is one of the catalogue's pipe-separated `levels` (e.g. 'center|team|agent'). #}
{% macro level_in_levels(level, levels) -%}
    {{ dbt.position(dbt.concat(["'|'", level, "'|'"]), dbt.concat(["'|'", levels, "'|'"])) }} > 0
{%- endmacro %}

{#
  The published rows of the KPIs `kpi_codes`: every (period, level, entity) of
  int_kpi_entities at each KPI's catalogue levels (month rows only when
  `month_only`), with the sums of `computed` (kpi_code, period_grain,
  period_start, level, entity_id, numerator, denominator) attached.
  Count KPIs publish NULL numerator/denominator and the count (0 without
  records); a ratio or mean with denominator 0 publishes 0, 0 and value NULL;
  nps = 100 x numerator / denominator. The KPIs `value_codes` (percentiles)
  publish NULL numerator/denominator and `computed`'s value column (NULL
  without records); `computed` then has that column.
  Usage: `with computed as (...) {{ kpi_rows_on_spine([...], 'computed') }}`;
  the macro continues the WITH list and ends with the final select.
#}
{% macro kpi_rows_on_spine(kpi_codes, computed, month_only=false, value_codes=[]) %}
, kpi_levels as (
    select
        kpi_code,
        unit,
        levels,
        {%- if value_codes %}
        kpi_code in ({%- for code in value_codes %}'{{ code }}'{{ ", " if not loop.last }}{% endfor -%}) as publishes_value
        {%- else %}
        false as publishes_value
        {%- endif %}
    from {{ ref('kpis') }}
    where kpi_code in ({%- for code in kpi_codes %}'{{ code }}'{{ ", " if not loop.last }}{% endfor -%})
),
kpi_spine as (
    select
        entities.period_grain,
        entities.period_start,
        entities.level,
        entities.entity_id,
        kpi_levels.kpi_code,
        kpi_levels.unit,
        kpi_levels.publishes_value
    from {{ ref('int_kpi_entities') }} as entities
    inner join kpi_levels
        on {{ level_in_levels('entities.level', 'kpi_levels.levels') }}
    {%- if month_only %}
    where entities.period_grain = 'month'
    {%- endif %}
),
kpi_sums as (
    select
        spine.period_grain,
        spine.period_start,
        spine.level,
        spine.entity_id,
        spine.kpi_code,
        spine.unit,
        spine.publishes_value,
        coalesce(computed.numerator, 0) as numerator,
        coalesce(computed.denominator, 0) as denominator,
        {{ 'computed.value' if value_codes else 'cast(null as ' ~ type_double() ~ ')' }} as computed_value
    from kpi_spine as spine
    left join {{ computed }} as computed
        on computed.kpi_code = spine.kpi_code
        and computed.period_grain = spine.period_grain
        and computed.period_start = spine.period_start
        and computed.level = spine.level
        and computed.entity_id = spine.entity_id
)
select
    period_grain,
    period_start,
    level,
    entity_id,
    kpi_code,
    cast(case
        when unit = 'count' or publishes_value then null
        when denominator = 0 then 0
        else numerator
    end as {{ type_double() }}) as numerator,
    cast(case when unit = 'count' or publishes_value then null else denominator end as {{ type_double() }}) as denominator,
    cast(case
        when publishes_value then computed_value
        when unit = 'count' then numerator
        when denominator = 0 then null
        when unit = 'nps' then 100 * numerator / denominator
        else numerator / denominator
    end as {{ type_double() }}) as value
from kpi_sums
{% endmacro %}
