-- complaint_resolution_satisfaction_rate: satisfied / resolved complaints, by the month resolved.
{{ config(
    store_failures=true,
    schema='audit',
    meta={
        'dagster': {'ref': {'name': 'kpi_values'}},
        'description': 'Centre-level monthly complaint_resolution_satisfaction_rate (numerator and denominator) equals a straight recount from the staging views.',
    },
) }}
{% set recount %}
select
    cast(date_trunc('month', resolved_at) as date) as period_start,
    count(*) filter (where satisfied) as numerator,
    count(*) as denominator
from {{ ref('stg_complaints') }}
where resolved_at is not null
group by all
{% endset %}
{{ reconcile_centre_months('complaint_resolution_satisfaction_rate', recount) }}
