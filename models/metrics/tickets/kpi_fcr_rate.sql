-- 一次性解决率: tickets resolved in the period (by resolved_at; tickets without
-- resolved_at are left out); numerator: first_contact_resolution = true. An
-- unknown flag counts as not resolved first time.
with facts as (
    select
        resolved_date as event_date,
        agent_id,
        ticket_id,
        case when first_contact_resolution then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and resolved_at is not null
)
{{ aggregate_kpi('facts', method='sum', records='stg_tickets', record_key=['ticket_id']) }}
