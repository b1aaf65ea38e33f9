-- 回访完成率: 实际回访条数 / (callback_daily_quota x 应出勤人天). Numerator:
-- callbacks with status = completed, placed by completed_at (each callback
-- counts, not customers; cancelled ones are never completed); denominator:
-- callback_daily_quota for each attendance row (a scheduled person-day),
-- placed by work_date. Both reach the team, department and agent through
-- their agent_id. Without attendance rows the denominator is 0 (no value).
with facts as (
    select
        completed_date as event_date,
        agent_id,
        'callbacks' as record_source,
        cast(callback_id as {{ dbt.type_string() }}) as record_id,
        1 as numerator,
        0 as denominator
    from {{ ref('stg_callbacks') }}
    where status = 'completed'
    union all
    select
        work_date as event_date,
        agent_id,
        'attendance' as record_source,
        cast(work_date as {{ dbt.type_string() }}) as record_id,
        0 as numerator,
        {{ var('callback_daily_quota') }} as denominator
    from {{ ref('stg_attendance') }}
)
{{ aggregate_kpi('facts', method='sum') }}
