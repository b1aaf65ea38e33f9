-- Valid inbound calls by interval of the day (interval_minutes, from midnight) and queue, by offered_at: a
-- call stays in its offer's interval, whenever it was answered or ended. Short answers (short_answer_seconds)
-- leave every column; the rules are those of service_level (macros/call_rules.sql), so the intervals' offered
-- of a month is the month's answer_rate denominator. Read by int_call_interval_agents and marts.call_intervals.
{%- set interval_seconds = interval_minutes() * 60 %}
with calls as (
    select
        {{ dbt.dateadd(
            'second',
            'floor(' ~ seconds_between('cast(offered_date as timestamp)', 'offered_at') ~ ' / ' ~ interval_seconds ~ ') * ' ~ interval_seconds,
            'cast(offered_date as timestamp)'
        ) }} as interval_start,
        coalesce(queue, '未分组') as queue,
        outcome,
        answer_seconds,
        handle_seconds,
        {{ is_short_abandon() }} as short_abandon,
        {{ service_level_counted() }} as sl_counted,
        {{ service_level_met() }} as sl_met
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and not {{ is_short_answer() }}
)

select
    interval_start,
    queue,
    count(*) as offered,
    sum(case when outcome = 'answered' then 1 else 0 end) as answered,
    sum(case when outcome = 'abandoned' and not short_abandon then 1 else 0 end) as abandoned,
    sum(case when short_abandon then 1 else 0 end) as short_abandoned,
    sum(case when outcome = 'blocked' then 1 else 0 end) as blocked,
    sum(case when outcome = 'answered' and answer_seconds <= {{ var('service_level_seconds') }} then 1 else 0 end)
        as answered_in_sl,
    sum(sl_met) as sl_met,
    sum(sl_counted) as sl_counted,
    sum(case when outcome = 'answered' then answer_seconds end) as answer_seconds_sum,
    sum(case when outcome = 'answered' then handle_seconds end) as handle_seconds_sum,
    {{ interval_seconds }} as interval_seconds
from calls
group by interval_start, queue
