-- 重复故障率: tickets resolved in the period (by resolved_at) with a customer_id
-- and an issue_type; numerator: those followed by another non-cancelled ticket
-- of the same customer and issue_type created after resolved_at and at most
-- repeat_window_days later (the edge included). The follow-up may fall in a
-- later period; the resolved ticket counts in its own period.
with tickets as (
    select
        ticket_id,
        agent_id,
        customer_id,
        issue_type,
        created_at,
        resolved_at,
        resolved_date
    from {{ ref('stg_tickets') }}
    where not is_cancelled
),

resolved as (
    select *
    from tickets
    where resolved_at is not null
        and customer_id is not null
        and issue_type is not null
),

repeated as (
    select distinct resolved.ticket_id
    from resolved
    inner join tickets as follow_up
        on follow_up.customer_id = resolved.customer_id
        and follow_up.issue_type = resolved.issue_type
        and follow_up.ticket_id <> resolved.ticket_id
        and follow_up.created_at > resolved.resolved_at
        and follow_up.created_at <= {{ dbt.dateadd('day', var('repeat_window_days'), 'resolved.resolved_at') }}
),

facts as (
    select
        resolved.resolved_date as event_date,
        resolved.agent_id,
        resolved.ticket_id,
        case when repeated.ticket_id is not null then 1 else 0 end as numerator,
        1 as denominator
    from resolved
    left join repeated
        on repeated.ticket_id = resolved.ticket_id
)

{{ aggregate_kpi('facts', method='sum', records='stg_tickets', record_key=['ticket_id']) }}
