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

{# Whole days from one date to another, as one line of SQL. #}
{% macro days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') | trim }}
{%- endmacro %}

{# A trimmed text value, empty text as NULL. #}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{# An enumerated code: trimmed, lower case, empty as NULL. #}
{% macro clean_code(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#
  Σ expression, independent of the order rows arrive in. A floating-point sum
  changes in its last bits with the order parallel threads add rows, so the
  same data could publish different marts. The sum is taken in fixed point, in
  units of 1e-15: each term's whole part (floor) and its fraction rounded to
  15 decimals are each whole numbers below 2^53, added exactly as
  decimal(38, 0), and the total returns as a double. Every step gives the same
  result on every engine: an exact floor and subtraction, an IEEE product,
  rounding half up, exact decimal sums. (A cast of a double to a decimal is
  not the same everywhere: DuckDB scales it in floating point, Spark reads the
  double's shortest decimal text; below 2^53, whole numbers are exact in both.)
#}
{% macro exact_sum(expression) -%}
    ({{ whole_to_double(
        'sum(cast(floor(' ~ expression ~ ') as decimal(38, 0))) * 1000000000000000'
        ~ ' + sum(cast(round((' ~ expression ~ ' - floor(' ~ expression ~ ')) * 1e15) as decimal(38, 0)))'
    ) }} / 1e15)
{%- endmacro %}

{#
  A whole number (a decimal(38, 0) below 2^85) as the nearest double, the same on every engine: the number
  is split into its high and low 32 bits, each exact as a double, and added once. (A plain cast is not the
  same everywhere: DuckDB rounds a 128-bit integer to a double twice.)
#}
{% macro whole_to_double(expression) -%}
    {{ return(adapter.dispatch('whole_to_double', 'dagster_kpi')(expression)) }}
{%- endmacro %}

{% macro default__whole_to_double(expression) -%}
    (cast(cast({{ expression }} as hugeint) // 4294967296 as {{ type_double() }}) * 4294967296
        + cast(cast({{ expression }} as hugeint) % 4294967296 as {{ type_double() }}))
{%- endmacro %}

{% macro spark__whole_to_double(expression) -%}
    (cast(({{ expression }}) div 4294967296 as {{ type_double() }}) * 4294967296
        + cast(({{ expression }}) % 4294967296 as {{ type_double() }}))
{%- endmacro %}

{# SQL true where the text matches the regular expression (RE2 on DuckDB, Java's on Spark: keep to their common part). #}
{% macro text_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('text_matches', 'dagster_kpi')(expression, pattern)) }}
{%- endmacro %}

{% macro default__text_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__text_matches(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern }}')
{%- endmacro %}
