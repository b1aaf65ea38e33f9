-- 客户投诉解决速度: complaints resolved in the period (by resolved_at); numerator:
-- total hours from received_at to resolved_at on the clock of var sla_clock
-- (business: business hours; calendar: stg_complaints.resolution_hours),
-- denominator: their count.
with complaints as (
    select
        complaint_id,
        resolved_date,
        agent_id,
        received_at,
        resolved_at
    from {{ ref('stg_complaints') }}
    where resolved_at is not null
),

timed as (
    {{ clock_seconds(var('sla_clock'), 'received_at', 'resolved_at', 'complaints', 'elapsed_seconds') }}
),

facts as (
    select
        resolved_date as event_date,
        agent_id,
        complaint_id,
        cast(elapsed_seconds as {{ type_double() }}) / 3600 as numerator,
        1 as denominator
    from timed
)
{{ aggregate_kpi('facts', method='sum', records='stg_complaints', record_key=['complaint_id']) }}
