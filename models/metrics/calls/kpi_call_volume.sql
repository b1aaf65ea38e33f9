-- 呼叫数: every call offered in the period (by offered_at), inbound and
-- outbound, whatever its outcome, valid or not. The count is the numerator.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
