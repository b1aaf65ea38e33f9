{# Rendered from dagster_kpi/source_extracts.yml by dagster_kpi.dbt_sources; do not edit.
   Regenerate: python -m dagster_kpi.dbt_sources #}

{# `column` of the source with the contract's default in place of a missing value. #}
{% macro contract_default(source_name, column) -%}
    {%- set defaults = {
        'calls': {'transferred': 'false', 'is_valid': 'true'},
        'tickets': {'priority': "'normal'"},
        'complaints': {'is_responsible': 'true', 'priority': "'normal'"},
        'attendance': {'late_minutes': '0', 'early_leave_minutes': '0', 'missed_punch': 'false'}
    } -%}
    {%- if column not in defaults.get(source_name, {}) -%}
        {{ exceptions.raise_compiler_error('the contract gives ' ~ source_name ~ '.' ~ column ~ ' no default') }}
    {%- endif -%}
    coalesce({{ column }}, {{ defaults[source_name][column] }})
{%- endmacro %}
