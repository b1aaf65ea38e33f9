{#
  Incremental refresh of the metric models by month.

  The refreshed months are a list of the dates of months' first days ('YYYY-MM-01'):
  the var refresh_months, else the row of the table changes.refresh_window (months
  joined by commas) that the run writes before it calls dbt (a table, not a var: the vars, and so dbt's partial
  parse, stay the same for every run). With a list, an incremental run recomputes
  only the periods that contain a refreshed month:
  those months, their quarters and their years. Every other period keeps its rows.
  An empty list recomputes no period. Without a list (a full build: no var, no table,
  or its months NULL) every period is recomputed. Quarters and years are always recomputed from their records, never
  from monthly values.
#}

{% macro refresh_months() %}
    {%- if var('refresh_months', none) is not none -%}
        {{ return(var('refresh_months')) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set window = adapter.get_relation(database=target.database, schema='changes', identifier='refresh_window') -%}
    {%- if window is none -%}
        {{ return(none) }}
    {%- endif -%}
    {#- One row: the months joined by commas ('' for none), NULL for every month. -#}
    {%- set rows = run_query('select months from ' ~ window) -%}
    {%- if rows | length == 0 or rows[0][0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(rows[0][0].split(',') | reject('equalto', '') | list) }}
{% endmacro %}

{% macro refresh_window_active() %}
    {#- Unit tests render models without a relation (`this` is none): they test full builds. -#}
    {{ return(this is not none and is_incremental() and refresh_months() is not none) }}
{% endmacro %}

{#- The first days of the `grain` periods (month, quarter, year) holding a refreshed month, as 'YYYY-MM-DD'. -#}
{% macro refresh_period_starts(grain) %}
    {%- set starts = [] -%}
    {%- for month in refresh_months() -%}
        {%- set year, number = month[:4] | int, month[5:7] | int -%}
        {%- if grain == 'month' -%}
            {%- set first = number -%}
        {%- elif grain == 'quarter' -%}
            {%- set first = ((number - 1) // 3) * 3 + 1 -%}
        {%- else -%}
            {%- set first = 1 -%}
        {%- endif -%}
        {%- set start = '%04d-%02d-01' | format(year, first) -%}
        {%- if start not in starts -%}{%- do starts.append(start) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(starts | sort) }}
{% endmacro %}

{#- SQL true for the dates in the `grain` periods starting at `starts` ('YYYY-MM-DD'); false for none. -#}
{% macro dates_in_periods(grain, event_date, starts) %}
    {%- if starts -%}
    (
        {%- for start in starts %}
        ({{ event_date }} >= cast('{{ start }}' as date) and {{ event_date }} < {{ dbt.dateadd(grain, 1, "cast('" ~ start ~ "' as date)") }})
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    )
    {%- else -%}
    1 = 0
    {%- endif -%}
{% endmacro %}

{#- Records of `grain` periods that are refreshed: the event date lies in one of them. -#}
{% macro event_in_refresh_window(grain, event_date) %}
    {%- if refresh_window_active() -%}
    {{ dates_in_periods(grain, event_date, refresh_period_starts(grain)) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{% endmacro %}

{#- Period rows (grain column, start column) that are refreshed. -#}
{% macro period_in_refresh_window(period_grain, period_start) %}
    {%- if refresh_window_active() -%}
    {%- if refresh_months() -%}
    (
        {%- for grain in ['month', 'quarter', 'year'] %}
        ({{ period_grain }} = '{{ grain }}' and {{ period_start }} in (
            {%- for start in refresh_period_starts(grain) -%}
            cast('{{ start }}' as date){% if not loop.last %}, {% endif %}
            {%- endfor -%}
        ))
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    )
    {%- else -%}
    1 = 0
    {%- endif -%}
    {%- else -%}
    1 = 1
    {%- endif -%}
{% endmacro %}

{#- Pre-hook of every metric model: clear the periods this run recomputes. On Spark, whose Parquet tables have no
    DELETE, the tables are partitioned by (period_grain, period_start) and the refreshed periods' partitions are
    dropped; insert_overwrite then writes them again. -#}
{% macro delete_refreshed_periods() %}
    {{- return(adapter.dispatch('delete_refreshed_periods', 'dagster_kpi')()) -}}
{% endmacro %}

{% macro spark__delete_refreshed_periods() %}
    {%- if is_incremental() and refresh_window_active() and refresh_months() -%}
    alter table {{ this }} drop if exists
    {%- for grain in ['month', 'quarter', 'year'] %}
        {%- set outer_last = loop.last %}
        {%- for start in refresh_period_starts(grain) %}
        partition (period_grain = '{{ grain }}', period_start = '{{ start }}'){% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
    {%- endfor %}
    {%- endif -%}
{% endmacro %}

{% macro default__delete_refreshed_periods() %}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ period_in_refresh_window('period_grain', 'period_start') }}
    {%- endif -%}
{% endmacro %}

{#-
  Data tests on large staging views can check the refreshed months only: give the test the
  `where` config `refreshed_months(<column>)`, and it reads the rows whose <column> lies in
  a refreshed month (every row in a full build). Used where ingestion already guarantees
  the rule across months (a key is one row in raw), so a refresh need not scan every month.
  The override of dbt's get_where_subquery is how a test's where config can call a macro
  at run time; any other where config is applied as dbt applies it.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if not where -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set match = modules.re.fullmatch('refreshed_months\\(\\s*(\\w+)\\s*\\)', where | trim) -%}
    {%- if match -%}
        {%- set months = refresh_months() -%}
        {%- if months is none -%}
            {%- do return(relation) -%}
        {%- endif -%}
        {%- set where = dates_in_periods('month', match.group(1), refresh_period_starts('month')) -%}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
{%- endmacro %}
