{# A 64-bit float (dbt.type_float() is 32-bit on some adapters, e.g. DuckDB's FLOAT). #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'dagster_kpi')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{# Whole seconds from one timestamp to another. #}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ dbt.datediff(start_ts, end_ts, 'second') }}
{%- endmacro %}

{# A trimmed text value, empty text as NULL. #}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{# An enumerated code: trimmed, lower case, empty as NULL. #}
{% macro clean_code(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}
