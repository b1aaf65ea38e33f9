-- 电话接听量: valid inbound answered calls placed by offered_at. The count is
-- the numerator.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and outcome = 'answered'
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
