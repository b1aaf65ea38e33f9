-- 响应速度: tickets created in the period (by created_at) that have a first
-- response; numerator: Σ minutes from created_at to first_response_at on the
-- clock of var sla_clock (business: business minutes), denominator: their count.
with {{ ticket_durations('first_response_at', 'created_date', 'minutes') }},

facts as (
    select
        event_date,
        agent_id,
        ticket_id,
        duration as numerator,
        1 as denominator
    from ticket_durations
)
{{ aggregate_kpi('facts', method='sum', records='stg_tickets', record_key=['ticket_id']) }}
