{#
  Published centre-level monthly figures of one KPI against a straight recount.

  `recount` is a query written from the KPI's definition, independent of the metric
  models: one row per month, `period_start` (a DATE) and the compared `columns`
  (numerator and denominator for ratios and means, value for counts). Returns one
  row per month that does not reconcile, with a readable `mismatch`:

    answer_rate 2024-01: published numerator 3, denominator 3; straight from staging numerator 2, denominator 3
    csat_score 2024-03: no published centre row; straight from staging numerator 60, denominator 1

  A month the recount has no records for counts as 0; figures agree within a relative
  1e-9 (sums of doubles may differ in the last bits). A KPI without any row in
  kpi_values is not compared.
#}
{% macro reconcile_centre_months(kpi_code, recount, columns=('numerator', 'denominator')) %}
with straight as (
    select *
    from ({{ recount }}) as recount
    where period_start is not null
),

published as (
    select period_start, {{ columns | join(', ') }}
    from {{ ref('kpi_values') }}
    where kpi_code = '{{ kpi_code }}'
        and period_grain = 'month' and level = 'center' and entity_id = 'center'
),

joined as (
    select
        coalesce(published.period_start, straight.period_start) as month,
        published.period_start is null as unpublished,
        {%- for column in columns %}
        published.{{ column }} as published_{{ column }},
        coalesce(straight.{{ column }}, 0) as straight_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from published
    full join straight on straight.period_start = published.period_start
),

compared as (
    select
        *,
        unpublished
        {%- for column in columns %}
        or published_{{ column }} is null
        or abs(published_{{ column }} - straight_{{ column }}) > 1e-9 * greatest(1, abs(straight_{{ column }}))
        {%- endfor %} as differs
    from joined
)

select
    month,
    '{{ kpi_code }} ' || substr(cast(month as {{ dbt.type_string() }}), 1, 7) || ': '
    || case
        when unpublished then 'no published centre row'
        else 'published ' || {{ reconcile_figures(columns, 'published_') }}
    end
    || '; straight from staging ' || {{ reconcile_figures(columns, 'straight_') }} as mismatch
from compared
where differs
    and exists (select 1 from {{ ref('kpi_values') }} where kpi_code = '{{ kpi_code }}')
{% endmacro %}

{# `numerator 2, denominator 3` from the columns named `<prefix><column>`. #}
{% macro reconcile_figures(columns, prefix) -%}
    {%- for column in columns -%}
    '{{ column }} ' || {{ reconcile_number(prefix ~ column) }}{{ " || ', ' || " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{# A figure as a reader writes it: NULL, a whole number without decimals, else up to 6 decimals. #}
{% macro reconcile_number(expression) -%}
    coalesce(case when {{ expression }} = floor({{ expression }}) then cast(cast({{ expression }} as decimal(38, 0)) as {{ dbt.type_string() }})
        else trim(trailing '0' from printf('%.6f', {{ expression }})) end, 'NULL')
{%- endmacro %}
