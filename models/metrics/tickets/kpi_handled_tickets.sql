-- 工单处理量: tickets not cancelled with resolved_at in the period (by
-- resolved_at; tickets without one are left out). The count is the numerator.
with facts as (
    select
        resolved_date as event_date,
        agent_id,
        ticket_id,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and resolved_at is not null
)
{{ aggregate_kpi('facts', method='sum', records='stg_tickets', record_key=['ticket_id']) }}
