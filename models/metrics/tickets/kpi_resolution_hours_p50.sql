-- 工单处理时长中位数: the tickets of avg_resolution_hours (resolved in the period, by resolved_at);
-- value: the median (p 0.5) of the hours from created_at to resolved_at on the clock of var
-- sla_clock (business: business hours), over the period's tickets (a quarter or year from all of its tickets,
-- never from its months).
-- Tagged percentile: published with the value only, numerator and denominator NULL.
{{ config(tags=['percentile']) }}

with {{ ticket_durations('resolved_at', 'resolved_date', 'hours') }},

facts as (
    select
        event_date,
        agent_id,
        ticket_id,
        duration as value
    from ticket_durations
)
{{ aggregate_kpi('facts', method='percentile', p=0.5, records='stg_tickets', record_key=['ticket_id']) }}
