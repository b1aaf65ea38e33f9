-- call_volume: every call, inbound or outbound, valid or not, by the month offered.
{{ config(
    store_failures=true,
    schema='audit',
    meta={
        'dagster': {'ref': {'name': 'kpi_values'}},
        'description': 'Centre-level monthly call_volume (value) equals a straight recount from the staging views.',
    },
) }}
{% set recount %}
select
    cast(date_trunc('month', offered_at) as date) as period_start,
    count(*) as value
from {{ ref('stg_calls') }}
group by all
{% endset %}
{{ reconcile_centre_months('call_volume', recount, columns=['value']) }}
