-- 响应速度: tickets created in the period (by created_at) that have a first
-- response; numerator: Σ minutes from created_at to first_response_at,
-- denominator: their count.
with facts as (
    select
        created_date as event_date,
        agent_id,
        cast({{ seconds_between('created_at', 'first_response_at') }} as {{ type_double() }}) / 60 as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and first_response_at is not null
)
{{ aggregate_kpi('facts', method='sum') }}
