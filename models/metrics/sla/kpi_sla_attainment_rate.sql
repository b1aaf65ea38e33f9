-- SLA达成率: SLA events (int_sla_events: tickets and complaints, first response
-- and resolution, pooled) placed by target_at, whose status as of the run (var
-- as_of, default the run's start) is not open; numerator: achieved
-- (achieved_at <= target_at). An event not achieved counts once its target
-- has passed (breached); a resolved ticket without resolved_at is not achieved.
-- The status depends on the as-of time: a period's rows are as of the run that
-- last refreshed it (the daily refresh recomputes the current month, the
-- monthly close the month before).
with facts as (
    select
        cast(target_at as date) as event_date,
        agent_id,
        source,
        record_id,
        metric,
        case when {{ sla_status('achieved_at', 'target_at') }} = 'achieved' then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('int_sla_events') }}
    where {{ sla_status('achieved_at', 'target_at') }} <> 'open'
)
{{ aggregate_kpi('facts', method='sum', records='int_sla_events', record_key=['source', 'record_id', 'metric']) }}
