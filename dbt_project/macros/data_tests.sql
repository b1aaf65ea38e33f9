{# No two rows share the combination of `columns`. #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# Every row satisfies a boolean SQL expression (NULL fails). #}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}

{#
  The shape every kpi_<code> model shares, in one query: keys and sums not NULL,
  grain and level from their sets, one row per (period, level, entity), and an
  agent entity on the roster. Returns the offending rows.
#}
{% test kpi_rows_well_formed(model) %}
with rows_of_model as (
    select
        period_grain, period_start, level, entity_id, numerator, denominator,
        count(*) over (partition by period_grain, period_start, level, entity_id) as n_same_key
    from {{ model }}
)
select rows_of_model.*
from rows_of_model
left join {{ ref('int_agents') }} as roster
    on rows_of_model.level = 'agent' and roster.agent_id = rows_of_model.entity_id
where period_grain is null or period_start is null or level is null or entity_id is null
    or numerator is null or denominator is null
    or period_grain not in ('month', 'quarter', 'year')
    or level not in ('center', 'department', 'team', 'agent')
    or n_same_key > 1
    or (level = 'agent' and roster.agent_id is null)
{% endtest %}

{#
  Text a spreadsheet would read as a formula: the values of the model's text
  columns (every column its yml declares varchar, text or string) that begin
  with =, +, -, @, a tab or a carriage return. One row per column and value,
  with the value's rows and a readable `mismatch`:

    scorecards.entity_name begins like a spreadsheet formula: =1+1 (2 rows)

  A warning, never blocking: the marts keep names as the sources sent them, and
  every file written for people quotes such cells (dagster_kpi/cells.py). The
  rows are kept in audit.<test name>, where `kpi run` reads the first one.
#}
{% test no_formula_like_text(model) %}
{{ config(
    severity='warn', store_failures=true, schema='audit',
    meta={'description': 'Text a spreadsheet would read as a formula (begins with =, +, -, @, tab or CR): a warning, not blocking; the first value is in the run summary, all in audit.<test name>.'}
) }}
{%- set text_columns = [] %}
{%- if execute %}
    {#- The model's declared columns (the marts' contracts declare every column), from the graph. #}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias == model.identifier and node.schema == model.schema %}
        {%- for column in node.columns.values() if (column.data_type or '') | lower in ('varchar', 'text', 'string') %}
            {%- do text_columns.append(column.name) %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}
{%- for column in text_columns %}
{%- set quoted = adapter.quote(column) %}
select
    '{{ column }}' as column_name,
    {{ quoted }} as value,
    count(*) as n_rows,
    '{{ model.identifier }}.{{ column }} begins like a spreadsheet formula: '
        || replace(replace(replace({{ quoted }}, chr(9), chr(92) || 't'), chr(13), chr(92) || 'r'), chr(10), chr(92) || 'n')
        || ' (' || count(*) || case when count(*) = 1 then ' row)' else ' rows)' end as mismatch
from {{ model }}
where {{ text_matches(quoted, '^[=+@\t\r-]') }}
group by {{ quoted }}
{{ 'union all' if not loop.last }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as column_name,
    cast(null as {{ dbt.type_string() }}) as value,
    cast(0 as bigint) as n_rows,
    cast(null as {{ dbt.type_string() }}) as mismatch
where false
{%- endfor %}
{% endtest %}

{#
  Opening hours by weekday (seed business_hours): every row starts before it ends, and no two rows of one
  weekday overlap (windows may touch: 09:00-12:00 and 12:00-13:00). Returns the offending rows: a row that
  does not start before it ends, and each overlapping pair (as the earlier row, with the row it overlaps).
#}
{% test business_hours_do_not_overlap(model) %}
with hours as (
    select
        weekday,
        {{ adapter.quote('start') }} as opens,
        {{ adapter.quote('end') }} as closes,
        {{ time_text_seconds(adapter.quote('start')) }} as start_second,
        {{ time_text_seconds(adapter.quote('end')) }} as end_second,
        row_number() over (partition by weekday order by {{ adapter.quote('start') }}, {{ adapter.quote('end') }}) as row_in_day
    from {{ model }}
)
select
    weekday,
    opens,
    closes,
    cast(null as {{ dbt.type_string() }}) as overlaps_opens,
    cast(null as {{ dbt.type_string() }}) as overlaps_closes
from hours
where not coalesce(start_second < end_second, false)
union all
select
    earlier.weekday,
    earlier.opens,
    earlier.closes,
    later.opens as overlaps_opens,
    later.closes as overlaps_closes
from hours as earlier
inner join hours as later
    on earlier.weekday = later.weekday
    and earlier.row_in_day < later.row_in_day
    and later.start_second < earlier.end_second
    and earlier.start_second < later.end_second
{% endtest %}
