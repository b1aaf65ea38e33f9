-- 平均处理时长(工单): tickets resolved in the period (by resolved_at);
-- numerator: Σ hours from created_at to resolved_at on the clock of var
-- sla_clock (business: business hours), denominator: their count.
with {{ ticket_durations('resolved_at', 'resolved_date', 'hours') }},

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
