-- 工单处理时长P90: the tickets of avg_resolution_hours (resolved in the period, by resolved_at);
-- value: the 90th percentile (p 0.9) of the hours from created_at to resolved_at on the clock of var
-- sla_clock (business: business hours), over the period's tickets (a quarter or year from all of its tickets,
-- never from its months).
-- Tagged percentile: published with the value only, numerator and denominator NULL.
{{ config(tags=['percentile']) }}

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
        cast(elapsed_seconds as {{ type_double() }}) / 3600 as value
    from timed
)
{{ aggregate_kpi('facts', method='percentile', p=0.9) }}
