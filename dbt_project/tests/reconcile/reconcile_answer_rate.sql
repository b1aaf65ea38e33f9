-- answer_rate: answered inbound valid calls / inbound valid calls, by the month offered; short answers
-- (answered calls with ended_at - answered_at < short_answer_seconds, 0 = none) leave both.
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
{%- if var('short_answer_seconds') | int > 0 %}
    and not (
        outcome = 'answered'
        and coalesce({{ seconds_between('answered_at', 'ended_at') }} < {{ var('short_answer_seconds') }}, false)
    )
{%- endif %}
group by all
{% endset %}
{{ reconcile_centre_months('answer_rate', recount) }}
