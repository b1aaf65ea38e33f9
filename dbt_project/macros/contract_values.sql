{# Rendered from dagster_kpi/source_extracts.yml by dagster_kpi.dbt_sources; do not edit.
   Regenerate: python -m dagster_kpi.dbt_sources #}

{# The values the contract allows in the enumerated `column` of the source, in the contract's order. #}
{% macro contract_values(source_name, column) -%}
    {%- set values = {
        'calls': {'direction': ['inbound', 'outbound'], 'outcome': ['answered', 'abandoned', 'blocked']},
        'tickets': {'channel': ['email', 'wechat', 'web', 'app', 'sms', 'walk_in', 'other'], 'category': ['inquiry', 'feedback', 'info_transfer', 'service_request', 'fault'], 'status': ['open', 'processing', 'resolved', 'closed', 'cancelled'], 'priority': ['urgent', 'high', 'normal']},
        'complaints': {'severity': ['major', 'serious', 'general'], 'priority': ['urgent', 'high', 'normal']},
        'callbacks': {'status': ['planned', 'completed', 'failed', 'cancelled'], 'reason': ['complaint_followup', 'routine', 'big_client', 'after_service']},
        'surveys': {'interaction_type': ['call', 'ticket', 'complaint', 'callback']},
        'agents': {'role': ['agent', 'team_lead', 'manager', 'property_agent'], 'level': ['junior', 'intermediate', 'senior', 'expert']},
        'report_issues': {'issue_type': ['error', 'late', 'complaint']},
        'plans': {'plan_code': ['business_volume', 'service_cost', 'customer_survey', 'process_improvement']},
        'attendance': {'status': ['present', 'leave', 'absent'], 'leave_type': ['annual', 'sick', 'personal', 'comp', 'other']},
        'ratings': {'rater_type': ['self', 'peer', 'supervisor', 'manager']},
        'violations': {'category': ['appearance', 'discipline', 'attitude', 'facility', 'building', 'service', 'other'], 'inspector_level': ['hq', 'region', 'center', 'department']}
    } -%}
    {%- if column not in values.get(source_name, {}) -%}
        {{ exceptions.raise_compiler_error('the contract lists no values of ' ~ source_name ~ '.' ~ column) }}
    {%- endif -%}
    {{ return(values[source_name][column]) }}
{%- endmacro %}
