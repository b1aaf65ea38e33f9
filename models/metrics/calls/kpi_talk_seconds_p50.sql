-- 通话时长中位数: the calls of avg_talk_seconds (valid inbound answered calls offered in the period, by
-- offered_at, with a known talk time: talk_seconds, else ended_at - answered_at); value: the median (p 0.5)
-- of their talk seconds over the period's calls (a quarter or year from all of its calls, never from its
-- months).
-- Tagged percentile: published with the value only, numerator and denominator NULL.
{{ config(tags=['percentile']) }}

with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        talk_seconds as value
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and outcome = 'answered'
        and talk_seconds is not null
)
{{ aggregate_kpi('facts', method='percentile', p=0.5, records='stg_calls', record_key=['call_id']) }}
