-- 平均处理时长(工单): tickets resolved in the period (by resolved_at);
-- numerator: Σ hours from created_at to resolved_at, denominator: their count.
with facts as (
    select
        resolved_date as event_date,
        agent_id,
        cast({{ seconds_between('created_at', 'resolved_at') }} as {{ type_double() }}) / 3600 as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and resolved_at is not null
)
{{ aggregate_kpi('facts', method='sum') }}
