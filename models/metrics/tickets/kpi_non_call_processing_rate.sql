-- 非受话业务处理率: tickets created in the period (by created_at); numerator:
-- those resolved as of the extract (resolved_at set, or status resolved/closed),
-- whenever the resolution happened.
with facts as (
    select
        created_date as event_date,
        agent_id,
        ticket_id,
        case when is_resolved then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
)
{{ aggregate_kpi('facts', method='sum', records='stg_tickets', record_key=['ticket_id']) }}
