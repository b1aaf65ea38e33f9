{%- set max_agents = 100000 -%}
{%- set target = fraction_var('target_service_level', 0, 1, low_included=false) -%}
-- Erlang C staffing per interval and queue of int_call_intervals with an answered call: the smallest number of
-- agents N whose Erlang C service level reaches target_service_level within service_level_seconds (T).
--   traffic A = offered x AHT / interval seconds (AHT: the interval's mean handle time of answered calls);
--   N runs over the integers above A; P(wait) by the Erlang C formula; SL(N) = 1 - P(wait) x e^(-(N - A) T / AHT).
-- Set-based: each interval is joined to the numbers k = 0 .. A + 10 sqrt(A) + 20, and the formula is written
-- with Poisson terms p(k) = e^-A A^k / k! = exp(-A + k ln A - ln k!), ln k! a running sum of ln j, so A in the
-- hundreds or thousands neither overflows nor loses precision:
--   P(wait) = p(N) N / (N - A) / (Σ_{k<N} p(k) + p(N) N / (N - A)).
-- Beyond the bound (A + 10 sqrt(A) + 20, about ten standard deviations of the traffic above its mean) P(wait) is
-- below 1e-20, so every target below 1 is reached within it; an interval that does not reach it there (only a
-- target within double rounding of 1) gets NULL. The numbers stop at {{ max_agents }}: a queue with more traffic
-- in one interval (about 96,800 Erlangs) gets NULL too. A = 0 (no handle time) needs N = 1.
with intervals as (
    select
        interval_start,
        queue,
        cast(handle_seconds_sum as {{ type_double() }}) / answered as aht_seconds,
        cast(offered * handle_seconds_sum as {{ type_double() }}) / (answered * interval_seconds) as traffic
    from {{ ref('int_call_intervals') }}
    where answered > 0
),

loaded as (
    select
        interval_start,
        queue,
        aht_seconds,
        traffic,
        floor(traffic + 10 * sqrt(traffic) + 20) as max_agents
    from intervals
    where traffic > 0
),

numbers as (
    select series.generated_number - 1 as k
    from ({{ dbt.generate_series(max_agents + 1) }}) as series
    where series.generated_number - 1 <= (select max(max_agents) from loaded)
),

factorials as (
    select
        k,
        sum(case when k = 0 then 0 else ln(k) end) over (order by k rows between unbounded preceding and current row)
            as ln_factorial
    from numbers
),

poisson as (
    select
        loaded.interval_start,
        loaded.queue,
        loaded.aht_seconds,
        loaded.traffic,
        factorials.k,
        exp(-loaded.traffic + factorials.k * ln(loaded.traffic) - factorials.ln_factorial) as term
    from loaded
    inner join factorials on factorials.k <= loaded.max_agents
),

cumulated as (
    select
        *,
        coalesce(
            sum(term) over (
                partition by interval_start, queue order by k rows between unbounded preceding and 1 preceding
            ),
            0
        ) as below
    from poisson
),

levels as (
    select
        interval_start,
        queue,
        agents,
        1 - queued / (below + queued)
        * exp(-(agents - traffic) * {{ var('service_level_seconds') }} / aht_seconds) as service_level
    from (
        select
            interval_start,
            queue,
            aht_seconds,
            traffic,
            below,
            k as agents,
            case when k > traffic then term * k / (k - traffic) end as queued
        from cumulated
    ) as waiting
    where agents > traffic
)

select
    intervals.interval_start,
    intervals.queue,
    intervals.traffic,
    case
        when intervals.traffic = 0 then 1
        else min(case when levels.service_level >= cast({{ target }} as {{ type_double() }}) then levels.agents end)
    end as erlang_agents
from intervals
left join levels
    on levels.interval_start = intervals.interval_start
    and levels.queue = intervals.queue
group by intervals.interval_start, intervals.queue, intervals.traffic
