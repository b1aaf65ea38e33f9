-- 客户投诉解决速度: complaints resolved in the period (by resolved_at); numerator:
-- total hours from received_at to resolved_at, denominator: their count.
with facts as (
    select
        resolved_date as event_date,
        agent_id,
        resolution_hours as numerator,
        1 as denominator
    from {{ ref('stg_complaints') }}
    where resolved_at is not null
)
{{ aggregate_kpi('facts', method='sum') }}
