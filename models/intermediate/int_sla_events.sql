-- The SLA events: one row per (source, record, metric) that a policy of the seed
-- sla_policies covers (by source, priority and metric), cancelled tickets
-- excluded. A ticket has a first_response (first_response_at) and a resolution
-- (resolved_at) event, a complaint a resolution event; the clock starts at
-- created_at (tickets) or received_at (complaints). achieved_at is the metric's
-- own timestamp: a resolved or closed ticket without resolved_at is not
-- achieved, and a resolution is not a first response. target_at is the
-- earliest instant at which the policy's clock (calendar, or business: the
-- business hours of macros/business_clock.sql) has run target_minutes since
-- started_at; elapsed_minutes the minutes on that clock up to achieved_at
-- (unrounded, NULL while not achieved). The status is not here: it depends on
-- the run's as-of time, so the models that publish it judge it (sla_status),
-- and this table changes only with the records and the policies.
with records as (
    select
        'tickets' as source,
        ticket_id as record_id,
        priority,
        'first_response' as metric,
        created_at as started_at,
        first_response_at as achieved_at,
        agent_id,
        category
    from {{ ref('stg_tickets') }}
    where not is_cancelled
    union all
    select
        'tickets' as source,
        ticket_id as record_id,
        priority,
        'resolution' as metric,
        created_at as started_at,
        resolved_at as achieved_at,
        agent_id,
        category
    from {{ ref('stg_tickets') }}
    where not is_cancelled
    union all
    select
        'complaints' as source,
        complaint_id as record_id,
        priority,
        'resolution' as metric,
        received_at as started_at,
        resolved_at as achieved_at,
        agent_id,
        cast(null as {{ dbt.type_string() }}) as category
    from {{ ref('stg_complaints') }}
),

covered as (
    select
        records.source,
        records.record_id,
        records.priority,
        records.metric,
        records.started_at,
        records.achieved_at,
        records.agent_id,
        records.category,
        policies.target_minutes,
        policies.clock
    from records
    inner join {{ ref('sla_policies') }} as policies
        on policies.source = records.source
        and policies.priority = records.priority
        and policies.metric = records.metric
),

calendar_events as (
    select *
    from covered
    where clock = 'calendar'
),

calendar_deadlines as ({{ clock_deadline('calendar', 'started_at', 'target_minutes', 'calendar_events', 'target_at') }}),

calendar_timed as ({{ clock_seconds('calendar', 'started_at', 'achieved_at', 'calendar_deadlines', 'elapsed_seconds') }}),

-- The business clock joins the calendar of business hours: only the events of a business policy pay for it.
business_events as (
    select *
    from covered
    where clock = 'business'
),

business_deadlines as ({{ clock_deadline('business', 'started_at', 'target_minutes', 'business_events', 'target_at') }}),

business_timed as ({{ clock_seconds('business', 'started_at', 'achieved_at', 'business_deadlines', 'elapsed_seconds') }}),

timed as (
    select * from calendar_timed
    union all
    select * from business_timed
)

select
    source,
    record_id,
    priority,
    metric,
    started_at,
    cast(target_at as timestamp) as target_at,
    achieved_at,
    cast(elapsed_seconds as {{ type_double() }}) / 60 as elapsed_minutes,
    target_minutes,
    clock,
    agent_id,
    category,
    cast({{ dbt.date_trunc('month', 'target_at') }} as date) as period_start
from timed
