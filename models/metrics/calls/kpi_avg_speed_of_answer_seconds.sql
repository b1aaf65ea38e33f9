-- 平均应答速度: valid inbound answered calls offered in the period (by
-- offered_at); numerator: Σ seconds from offered_at to answered_at,
-- denominator: their count.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        answer_seconds as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and outcome = 'answered'
        and answer_seconds is not null
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
