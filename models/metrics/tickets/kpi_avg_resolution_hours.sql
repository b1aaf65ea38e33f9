-- 平均处理时长(工单): tickets resolved in the period (by resolved_at);
-- numerator: Σ hours from created_at to resolved_at on the clock of var
-- sla_clock (business: business hours), denominator: their count.
with tickets as (
    select
        resolved_date,
        agent_id,
        created_at,
        resolved_at
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and resolved_at is not null
),

timed as (
    {{ clock_seconds(var('sla_clock'), 'created_at', 'resolved_at', 'tickets', 'elapsed_seconds') }}
),

facts as (
    select
        resolved_date as event_date,
        agent_id,
        cast(elapsed_seconds as {{ type_double() }}) / 3600 as numerator,
        1 as denominator
    from timed
)
{{ aggregate_kpi('facts', method='sum') }}
