-- 首次响应时长P90: the tickets of first_response_minutes (created in the period, by created_at,
-- with a first response); value: the 90th percentile (p 0.9) of the minutes from created_at to
-- first_response_at on the clock of var sla_clock (business: business minutes), over the period's tickets (a
-- quarter or year from all of its tickets, never from its months).
-- Tagged percentile: published with the value only, numerator and denominator NULL.
{{ config(tags=['percentile']) }}

with {{ ticket_durations('first_response_at', 'created_date', 'minutes') }},

facts as (
    select
        event_date,
        agent_id,
        ticket_id,
        duration as value
    from ticket_durations
)
{{ aggregate_kpi('facts', method='percentile', p=0.9, records='stg_tickets', record_key=['ticket_id']) }}
