-- 迟到早退次数: per attendance row (by work_date), one for late_minutes of at
-- least late_grace_minutes, one for early_leave_minutes of at least
-- late_grace_minutes and one for a missed punch, so a day counts up to 3.
-- Numerator: the incidents; denominator: the days with any.
with incidents as (
    select
        work_date,
        agent_id,
        case when late_minutes >= {{ var('late_grace_minutes') }} then 1 else 0 end
        + case when early_leave_minutes >= {{ var('late_grace_minutes') }} then 1 else 0 end
        + case when missed_punch then 1 else 0 end as incident_count
    from {{ ref('stg_attendance') }}
),

facts as (
    select
        work_date as event_date,
        agent_id,
        work_date,
        incident_count as numerator,
        1 as denominator
    from incidents
    where incident_count > 0
)
{{ aggregate_kpi('facts', method='sum', records='stg_attendance', record_key=['agent_id', 'work_date']) }}
