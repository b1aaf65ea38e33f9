-- The intra-day view (时段话务): one row per interval (interval_minutes from midnight) and queue with any valid
-- inbound call offered, counted as service_level counts (int_call_intervals), with the Erlang C staffing of the
-- interval (int_call_interval_agents) and the agents to schedule once shrinkage is allowed for. The rounding to
-- 6 decimals before ceil keeps a quotient such as 21 / 0.7 = 30.000000000000004 at 30.
{%- set shrinkage = fraction_var('shrinkage', 0, 1) %}
select
    intervals.interval_start,
    intervals.queue,
    cast(intervals.offered as integer) as offered,
    cast(intervals.answered as integer) as answered,
    cast(intervals.abandoned as integer) as abandoned,
    cast(intervals.short_abandoned as integer) as short_abandoned,
    cast(intervals.blocked as integer) as blocked,
    cast(intervals.answered_in_sl as integer) as answered_in_sl,
    case
        when intervals.sl_counted > 0
            then cast(intervals.sl_met as {{ type_double() }}) / intervals.sl_counted
    end as service_level,
    case
        when intervals.answered > 0
            then cast(intervals.answer_seconds_sum as {{ type_double() }}) / intervals.answered
    end as asa_seconds,
    case
        when intervals.answered > 0
            then cast(intervals.handle_seconds_sum as {{ type_double() }}) / intervals.answered
    end as aht_seconds,
    cast(agents.erlang_agents as integer) as erlang_agents,
    cast(
        ceil(round(cast(agents.erlang_agents as {{ type_double() }}) / (1 - cast({{ shrinkage }} as {{ type_double() }})), 6))
        as integer
    ) as required_agents
from {{ ref('int_call_intervals') }} as intervals
left join {{ ref('int_call_interval_agents') }} as agents
    on agents.interval_start = intervals.interval_start
    and agents.queue = intervals.queue
