-- 出勤率: attendance rows (scheduled work days) placed by work_date; numerator:
-- status = present.
with facts as (
    select
        work_date as event_date,
        agent_id,
        work_date,
        case when status = 'present' then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_attendance') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_attendance', record_key=['agent_id', 'work_date']) }}
