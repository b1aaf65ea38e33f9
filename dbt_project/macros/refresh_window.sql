{#
  Incremental refresh of the metric models by month.

  With vars refresh_from and refresh_to (dates of months, inclusive), an incremental
  run recomputes only the periods that contain a refreshed month: those months,
  their quarters and their years. Every other period keeps its rows. Without the
  vars (a full build) every period is recomputed. Quarters and years are always
  recomputed from their records, never from monthly values.
#}

{% macro refresh_window_active() %}
    {#- Unit tests render models without a relation (`this` is none): they test full builds. -#}
    {{ return(var('refresh_from', none) is not none and this is not none and is_incremental()) }}
{% endmacro %}

{% macro refresh_bound(grain, which) %}
    {%- set month = var('refresh_from') if which == 'from' else var('refresh_to') -%}
    cast({{ dbt.date_trunc(grain, "cast('" ~ month ~ "' as date)") }} as date)
{%- endmacro %}

{#- Records of `grain` periods that are refreshed: the event date lies in one of them. -#}
{% macro event_in_refresh_window(grain, event_date) %}
    {%- if refresh_window_active() -%}
    {{ event_date }} >= {{ refresh_bound(grain, 'from') }}
    and {{ event_date }} < {{ dbt.dateadd(grain, 1, refresh_bound(grain, 'to')) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{% endmacro %}

{#- Period rows (grain column, start column) that are refreshed. -#}
{% macro period_in_refresh_window(period_grain, period_start) %}
    {%- if refresh_window_active() -%}
    (
        {%- for grain in ['month', 'quarter', 'year'] %}
        ({{ period_grain }} = '{{ grain }}' and {{ period_start }} between {{ refresh_bound(grain, 'from') }} and {{ refresh_bound(grain, 'to') }})
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    )
    {%- else -%}
    1 = 1
    {%- endif -%}
{% endmacro %}

{#- Pre-hook of every metric model: clear the periods this run recomputes. -#}
{% macro delete_refreshed_periods() %}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ period_in_refresh_window('period_grain', 'period_start') }}
    {%- endif -%}
{% endmacro %}
