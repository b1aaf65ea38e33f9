-- 受话业务接通率: valid inbound calls offered in the period (by offered_at), short
-- answers (short_answer_seconds, macros/call_rules.sql) excluded; numerator:
-- outcome = answered. The same in every service_level_abandon_mode.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        case when outcome = 'answered' then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and not {{ is_short_answer() }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
