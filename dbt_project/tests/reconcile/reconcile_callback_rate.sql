-- callback_rate: customers with a completed callback / customers with a callback planned, cancelled ones left out.
{{ config(
    store_failures=true,
    schema='audit',
    meta={
        'dagster': {'ref': {'name': 'kpi_values'}},
        'description': 'Centre-level monthly callback_rate (numerator and denominator) equals a straight recount from the staging views.',
    },
) }}
{% set recount %}
select
    cast(date_trunc('month', planned_date) as date) as period_start,
    count(distinct customer_id) filter (where status = 'completed') as numerator,
    count(distinct customer_id) as denominator
from {{ ref('stg_callbacks') }}
where status <> 'cancelled'
group by all
{% endset %}
{{ reconcile_centre_months('callback_rate', recount) }}
