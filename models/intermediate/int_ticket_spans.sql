-- Each ticket that is not cancelled, with what the backlog needs: its category,
-- when it was created and resolved, and the target_at of its resolution event
-- (int_sla_events; NULL when no policy covers its priority). A resolved or
-- closed ticket without resolved_at stays open.
select
    tickets.ticket_id,
    tickets.category,
    tickets.created_at,
    tickets.resolved_at,
    events.target_at as resolution_target_at
from {{ ref('stg_tickets') }} as tickets
left join {{ ref('int_sla_events') }} as events
    on events.source = 'tickets'
    and events.metric = 'resolution'
    and events.record_id = tickets.ticket_id
where not tickets.is_cancelled
