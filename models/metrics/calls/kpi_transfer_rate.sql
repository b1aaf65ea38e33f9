-- 转接率: valid answered calls offered in the period (by offered_at), inbound
-- and outbound; numerator: transferred = true (a missing flag is false).
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        case when transferred then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and outcome = 'answered'
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
