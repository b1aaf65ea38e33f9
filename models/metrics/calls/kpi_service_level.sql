-- 服务水平: valid inbound calls offered in the period (by offered_at) that were
-- answered or abandoned, short abandons excluded as in abandonment_rate;
-- numerator: answered within service_level_seconds of offered_at (exactly on
-- the threshold counts).
with facts as (
    select
        offered_date as event_date,
        agent_id,
        case
            when outcome = 'answered' and answer_seconds <= {{ var('service_level_seconds') }} then 1
            else 0
        end as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and (
            outcome = 'answered'
            or (outcome = 'abandoned' and not coalesce(call_seconds < {{ var('short_abandon_seconds') }}, false))
        )
)
{{ aggregate_kpi('facts', method='sum') }}
