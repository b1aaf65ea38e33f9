-- 呼出率: valid outbound calls of any outcome / (those + valid inbound answered
-- calls), placed by offered_at.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        case when direction = 'outbound' then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and (direction = 'outbound' or (direction = 'inbound' and outcome = 'answered'))
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
