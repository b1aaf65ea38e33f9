-- The KPI values computed from records, before scoring: one row per (period,
-- level, entity, KPI of that level): the entity spine (int_kpi_entities) x the
-- catalogue codes whose levels contain the level, limited to the KPIs listed
-- in the kpi_models() macro, with each KPI model's sums attached.
-- Count KPIs publish NULL numerator/denominator and the count (0 without
-- records); a ratio or mean with denominator 0 publishes 0, 0 and value NULL;
-- nps = 100 x numerator / denominator.
{%- set kpi_models = kpi_models() %}

with catalog as (
    select kpi_code, unit, levels
    from {{ ref('kpi_catalog') }}
    where kpi_code in (
        {%- for model in kpi_models %}'{{ model[4:] }}'{{ ", " if not loop.last }}{% endfor -%}
    )
),

spine as (
    select
        entities.period_grain,
        entities.period_start,
        entities.level,
        entities.entity_id,
        catalog.kpi_code,
        catalog.unit
    from {{ ref('int_kpi_entities') }} as entities
    inner join catalog
        on {{ dbt.position(dbt.concat(["'|'", "entities.level", "'|'"]), dbt.concat(["'|'", "catalog.levels", "'|'"])) }} > 0
),

computed as (
    {%- for model in kpi_models %}
    select '{{ model[4:] }}' as kpi_code, period_grain, period_start, level, entity_id, numerator, denominator
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

joined as (
    select
        spine.period_grain,
        spine.period_start,
        spine.level,
        spine.entity_id,
        spine.kpi_code,
        spine.unit,
        coalesce(computed.numerator, 0) as numerator,
        coalesce(computed.denominator, 0) as denominator
    from spine
    left join computed
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
        when unit = 'count' then null
        when denominator = 0 then 0
        else numerator
    end as {{ type_double() }}) as numerator,
    cast(case when unit = 'count' then null else denominator end as {{ type_double() }}) as denominator,
    cast(case
        when unit = 'count' then numerator
        when denominator = 0 then null
        when unit = 'nps' then 100 * numerator / denominator
        else numerator / denominator
    end as {{ type_double() }}) as value
from joined
