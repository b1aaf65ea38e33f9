-- csat_score: mean CSAT on a 0-100 scale (score × 20) over the surveys with a score, by the month responded.
{{ config(
    store_failures=true,
    schema='audit',
    meta={
        'dagster': {'ref': {'name': 'kpi_values'}},
        'description': 'Centre-level monthly csat_score (numerator and denominator) equals a straight recount from the staging views.',
    },
) }}
{% set recount %}
select
    cast(date_trunc('month', responded_at) as date) as period_start,
    sum(csat_score * 20) as numerator,
    count(csat_score) as denominator
from {{ ref('stg_surveys') }}
group by all
{% endset %}
{{ reconcile_centre_months('csat_score', recount) }}
