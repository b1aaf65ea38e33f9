-- 服务水平: valid inbound calls offered in the period (by offered_at) that service
-- level counts, as the phone systems count it (macros/call_rules.sql): answered
-- calls, short answers (short_answer_seconds) excluded, and abandons, short
-- abandons excluded as in abandonment_rate, unless service_level_abandon_mode is
-- ignore. Numerator: answered within service_level_seconds of offered_at (exactly
-- on the threshold counts); in positive mode also abandons that ended within it.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        {{ service_level_met() }} as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and {{ service_level_counted() }} = 1
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
