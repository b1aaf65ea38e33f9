-- 平均处理时长(话务): valid inbound answered calls offered in the period (by
-- offered_at); numerator: Σ (talk + hold + wrap seconds, NULL parts = 0),
-- denominator: their count.
with facts as (
    select
        offered_date as event_date,
        agent_id,
        call_id,
        handle_seconds as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and outcome = 'answered'
)
{{ aggregate_kpi('facts', method='sum', records='stg_calls', record_key=['call_id']) }}
