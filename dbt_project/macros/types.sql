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

{# Whole seconds from one timestamp to another, as one line of SQL. #}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ dbt.datediff(start_ts, end_ts, 'second') | trim }}
{%- endmacro %}

{# A trimmed text value, empty text as NULL. #}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{# An enumerated code: trimmed, lower case, empty as NULL. #}
{% macro clean_code(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{# A fixed-point number for KPI sums: 20 integer digits, 18 decimals (finer than a double's precision). #}
{% macro type_exact() -%}
    {{ return(adapter.dispatch('type_exact', 'dagster_kpi')()) }}
{%- endmacro %}

{% macro default__type_exact() -%}
    decimal(38, 18)
{%- endmacro %}

{#
  Σ expression, independent of the order rows arrive in. A floating-point sum
  changes in its last bits with the order parallel threads add rows, so the
  same data could publish different marts. The sum is taken in fixed point
  (each term to 18 decimals) and returned as a double.
#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as {{ type_exact() }})) as {{ type_double() }})
{%- endmacro %}
