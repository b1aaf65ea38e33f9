-- 客户投诉解决满意率: complaints resolved in the period (by resolved_at); numerator:
-- satisfied = true. An unknown verdict counts as not satisfied.
with facts as (
    select
        resolved_date as event_date,
        agent_id,
        complaint_id,
        case when satisfied then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_complaints') }}
    where resolved_at is not null
)
{{ aggregate_kpi('facts', method='sum', records='stg_complaints', record_key=['complaint_id']) }}
