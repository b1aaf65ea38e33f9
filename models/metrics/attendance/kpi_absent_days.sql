-- 旷工天数: attendance rows (by work_date) with status = absent. The count is
-- the numerator.
with facts as (
    select
        work_date as event_date,
        agent_id,
        work_date,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_attendance') }}
    where status = 'absent'
)
{{ aggregate_kpi('facts', method='sum', records='stg_attendance', record_key=['agent_id', 'work_date']) }}
