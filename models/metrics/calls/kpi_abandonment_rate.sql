-- 呼叫放弃率: valid inbound calls offered in the period (by offered_at) that were
-- answered or abandoned, short abandons excluded; numerator: abandoned. A short
-- abandon lasts (ended_at - offered_at) less than short_abandon_seconds; an
-- abandon without ended_at is not known to be short and stays (macros/call_rules.sql).
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        case when outcome = 'abandoned' then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and (
            outcome = 'answered'
            or (outcome = 'abandoned' and not {{ is_short_abandon() }})
        )
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
