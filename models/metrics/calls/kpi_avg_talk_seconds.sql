-- 平均通话时长: valid inbound answered calls offered in the period (by
-- offered_at) with a known talk time (talk_seconds, else ended_at -
-- answered_at); numerator: Σ talk seconds, denominator: their count.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        talk_seconds as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and outcome = 'answered'
        and talk_seconds is not null
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
