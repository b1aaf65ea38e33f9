-- The SLA breach record (服务时限台账): one row per (source, record, metric) that a
-- policy covers (int_sla_events), with its status as of the run (var as_of,
-- default the run's start in local time) and, for a rostered agent, the team
-- and department of the month of target_at, the month whose
-- sla_attainment_rate counts the event. Rebuilt by every run, so the statuses
-- follow the as-of time.
select
    events.source,
    events.record_id,
    events.priority,
    events.metric,
    events.started_at,
    events.target_at,
    events.achieved_at,
    events.elapsed_minutes,
    cast(events.target_minutes as integer) as target_minutes,
    events.clock,
    {{ sla_status('events.achieved_at', 'events.target_at') }} as status,
    events.agent_id,
    agent_months.team,
    agent_months.department,
    events.period_start
from {{ ref('int_sla_events') }} as events
left join {{ ref('int_agent_months') }} as agent_months
    on agent_months.agent_id = events.agent_id
    and agent_months.month_start = events.period_start
