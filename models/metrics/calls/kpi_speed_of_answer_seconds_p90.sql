-- 应答速度P90: the calls of avg_speed_of_answer_seconds (valid inbound answered calls offered in the
-- period, by offered_at); value: the 90th percentile (p 0.9) of the seconds from offered_at to answered_at
-- over the period's calls (a quarter or year from all of its calls, never from its months).
-- Tagged percentile: published with the value only, numerator and denominator NULL.
{{ config(tags=['percentile']) }}

with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        answer_seconds as value
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and outcome = 'answered'
        and answer_seconds is not null
)
{{ aggregate_kpi('facts', method='percentile', p=0.9, records='stg_calls', record_key=['call_id']) }}
