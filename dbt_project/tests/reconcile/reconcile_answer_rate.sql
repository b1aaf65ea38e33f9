-- answer_rate: answered inbound valid calls / inbound valid calls, by the month offered.
{{ config(
    store_failures=true,
    schema='audit',
    meta={
        'dagster': {'ref': {'name': 'kpi_values'}},
        'description': 'Centre-level monthly answer_rate (numerator and denominator) equals a straight recount from the staging views.',
    },
) }}
{% set recount %}
select
    cast(date_trunc('month', offered_at) as date) as period_start,
    count(*) filter (where outcome = 'answered') as numerator,
    count(*) as denominator
from {{ ref('stg_calls') }}
where is_valid and direction = 'inbound'
group by all
{% endset %}
{{ reconcile_centre_months('answer_rate', recount) }}
