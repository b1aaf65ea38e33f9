-- Who is assessed (考核资格): one row per agent and month with an agent
-- scorecard row (int_kpi_entities). Not assessed, reason probation: on
-- probation on the month's last day (probation_until >= that day). Else not
-- assessed, reason absent: attendance rows in the month and none present, or
-- leave (any type) and absent days in the month above max_absence_days.
-- Otherwise assessed, also without any attendance rows.
{%- set max_absence_days = var('max_absence_days', 22) %}

with agent_months as (
    select
        period_start,
        period_end,
        entity_id as agent_id
    from {{ ref('int_kpi_entities') }}
    where period_grain = 'month' and level = 'agent'
),

attendance as (
    select
        agent_id,
        cast({{ dbt.date_trunc('month', 'work_date') }} as date) as month_start,
        count(*) as scheduled_days,
        sum(case when status = 'present' then 1 else 0 end) as present_days,
        sum(case when status in ('leave', 'absent') then 1 else 0 end) as leave_absent_days
    from {{ ref('stg_attendance') }}
    group by agent_id, cast({{ dbt.date_trunc('month', 'work_date') }} as date)
),

reasons as (
    select
        agent_months.period_start,
        agent_months.agent_id,
        agents.probation_until,
        coalesce(attendance.scheduled_days, 0) as scheduled_days,
        coalesce(attendance.present_days, 0) as present_days,
        coalesce(attendance.leave_absent_days, 0) as leave_absent_days,
        case
            when agents.probation_until >= agent_months.period_end then 'probation'
            when attendance.scheduled_days > 0 and attendance.present_days = 0 then 'absent'
            when attendance.leave_absent_days > {{ max_absence_days }} then 'absent'
        end as not_assessed_reason
    from agent_months
    inner join {{ ref('int_agents') }} as agents
        on agents.agent_id = agent_months.agent_id
    left join attendance
        on attendance.agent_id = agent_months.agent_id
        and attendance.month_start = agent_months.period_start
)

select
    period_start,
    agent_id,
    not_assessed_reason is null as assessed,
    not_assessed_reason,
    probation_until,
    cast(scheduled_days as integer) as scheduled_days,
    cast(present_days as integer) as present_days,
    cast(leave_absent_days as integer) as leave_absent_days
from reasons
