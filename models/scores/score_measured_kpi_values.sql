-- The KPI values measured from records: one row per (period, level, entity,
-- KPI of that level) for the measured KPI models (tag kpi, listed by the
-- kpi_models() macro), each model's sums on the entity spine
-- (kpi_rows_on_spine). The percentile KPIs (tag percentile, listed by the
-- kpi_percentile_models() macro) publish their value, without numerator and
-- denominator. The agents are scored from these values.
{%- set kpi_models = kpi_models() %}
{%- set percentile_models = kpi_percentile_models() %}

with computed as (
    {%- for model in kpi_models %}
    select
        '{{ model[4:] }}' as kpi_code, period_grain, period_start, level, entity_id, numerator, denominator,
        {{ 'value' if model in percentile_models else 'cast(null as ' ~ type_double() ~ ')' }} as value
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)
{{ kpi_rows_on_spine(
    kpi_models | map('replace', 'kpi_', '', 1) | list,
    'computed',
    value_codes=percentile_models | map('replace', 'kpi_', '', 1) | list
) }}
