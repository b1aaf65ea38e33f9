-- 响应速度: tickets created in the period (by created_at) that have a first
-- response; numerator: Σ minutes from created_at to first_response_at on the
-- clock of var sla_clock (business: business minutes), denominator: their count.
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
        cast(elapsed_seconds as {{ type_double() }}) / 60 as numerator,
        1 as denominator
    from timed
)
{{ aggregate_kpi('facts', method='sum') }}
