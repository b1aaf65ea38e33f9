-- The business clock: every day from business_calendar_from to business_calendar_to tiled into segments of
-- business hours (open) and the time between them (closed), with the business seconds run since the start of
-- the calendar. A day's hours are those of its ISO weekday (seed business_hours), unless the day is in the
-- seed holidays: is_workday = false closes it, true opens it with the Monday hours. The macros of
-- macros/business_clock.sql read it: B(t) = business_seconds_before of t's segment, plus the seconds of an open
-- segment already run.
{%- set calendar_from = modules.datetime.date.fromisoformat(var('business_calendar_from') | string) %}
{%- set calendar_to = modules.datetime.date.fromisoformat(var('business_calendar_to') | string) %}
{%- set day_count = (calendar_to - calendar_from).days + 1 %}
with days as (
    select
        cast({{ dbt.dateadd('day', 'series.generated_number - 1', "cast('" ~ calendar_from ~ "' as date)") }} as date)
            as calendar_date
    from ({{ dbt.generate_series(day_count) }}) as series
),

-- The weekday whose hours a day keeps (NULL = closed); 1900-01-01 was a Monday.
day_hours as (
    select
        days.calendar_date,
        case
            when holidays.is_workday then 1
            when not holidays.is_workday then null
            else {{ days_between("cast('1900-01-01' as date)", 'days.calendar_date') }} % 7 + 1
        end as hours_weekday
    from days
    left join {{ ref('holidays') }} as holidays
        on holidays.{{ adapter.quote('date') }} = days.calendar_date
),

hours as (
    select
        weekday,
        {{ time_text_seconds(adapter.quote('start')) }} as start_second,
        {{ time_text_seconds(adapter.quote('end')) }} as end_second
    from {{ ref('business_hours') }}
),

windows as (
    select
        day_hours.calendar_date,
        hours.start_second,
        hours.end_second
    from day_hours
    inner join hours
        on hours.weekday = day_hours.hours_weekday
),

-- Every day's midnights and window edges; consecutive edges bound a segment.
edges as (
    select
        calendar_date,
        0 as edge_second
    from days
    union
    select
        calendar_date,
        86400 as edge_second
    from days
    union
    select
        calendar_date,
        start_second as edge_second
    from windows
    union
    select
        calendar_date,
        end_second as edge_second
    from windows
),

segments as (
    select
        calendar_date,
        edge_second as segment_start_second,
        lead(edge_second) over (partition by calendar_date order by edge_second) as segment_end_second
    from edges
),

-- A segment is open when a window starts at its start (windows of a day do not overlap: the seed's test).
measured as (
    select
        segments.calendar_date,
        segments.segment_start_second,
        segments.segment_end_second,
        windows.start_second is not null as is_open,
        case
            when windows.start_second is not null
                then segments.segment_end_second - segments.segment_start_second
            else 0
        end as open_seconds
    from segments
    left join windows
        on windows.calendar_date = segments.calendar_date
        and windows.start_second = segments.segment_start_second
    where segments.segment_end_second is not null
)

select
    calendar_date,
    segment_start_second,
    segment_end_second,
    is_open,
    cast(
        sum(open_seconds) over (
            order by calendar_date, segment_start_second rows between unbounded preceding and current row
        ) - open_seconds as bigint
    ) as business_seconds_before,
    cast(
        sum(open_seconds) over (
            order by calendar_date, segment_start_second rows between unbounded preceding and current row
        ) as bigint
    ) as business_seconds_after
from measured
