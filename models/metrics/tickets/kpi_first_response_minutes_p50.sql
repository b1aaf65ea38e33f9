-- 首次响应时长中位数: the tickets of first_response_minutes (created in the period, by created_at,
-- with a first response); value: the median (p 0.5) of the minutes from created_at to
-- first_response_at on the clock of var sla_clock (business: business minutes), over the period's tickets (a
-- quarter or year from all of its tickets, never from its months).
-- Tagged percentile: published with the value only, numerator and denominator NULL.
{{ config(tags=['percentile']) }}

with tickets as (
    select
        created_date,
        agent_id,
        created_at,
        first_response_at
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and first_response_at is not null
),

timed as (
    {{ clock_seconds(var('sla_clock'), 'created_at', 'first_response_at', 'tickets', 'elapsed_seconds') }}
),

facts as (
    select
        created_date as event_date,
        agent_id,
        cast(elapsed_seconds as {{ type_double() }}) / 60 as value
    from timed
)
{{ aggregate_kpi('facts', method='percentile', p=0.5) }}
