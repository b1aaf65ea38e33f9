-- The ticket backlog (工单积压): per day and contract category (zeros included),
-- the tickets open at the day's end and, of those, the ones past their
-- resolution target. Days run from the first day of the period range's first
-- month to the as-of date (var as_of, default the run's start in local time).
-- Open at the end of day D: created before D + 1 (the next midnight) and
-- resolved_at NULL or at or after it; cancelled tickets never count. Past
-- target: the resolution event's target_at before D + 1.
-- Set-based: a ticket is open on the days [created date, resolved date) and
-- past target on [target date, resolved date); each span adds 1 on its first
-- day and takes it back on its end day, and a running sum per category counts.
{%- set max_days = 36600 %}
with bounds as (
    select
        min(period_start) as first_day,
        cast({{ as_of_time() }} as date) as last_day
    from {{ ref('int_periods') }}
    where period_grain = 'month'
),

-- The series holds {{ max_days }} days, the 1200 months int_periods spans at most.
days as (
    select cast({{ dbt.dateadd('day', 'series.generated_number - 1', 'bounds.first_day') }} as date) as day
    from ({{ dbt.generate_series(max_days) }}) as series
    cross join bounds
    where series.generated_number - 1 <= {{ days_between('bounds.first_day', 'bounds.last_day') }}
),

categories as (
    {%- for category in contract_values('tickets', 'category') %}
    select '{{ category }}' as category
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

spans as (
    select
        category,
        cast(created_at as date) as open_from,
        cast(resolved_at as date) as open_until,
        cast(resolution_target_at as date) as past_from
    from {{ ref('int_ticket_spans') }}
),

steps as (
    select
        category,
        open_from as day,
        1 as open_step,
        0 as past_step
    from spans
    union all
    select
        category,
        open_until as day,
        -1 as open_step,
        0 as past_step
    from spans
    where open_until is not null
    union all
    select
        category,
        past_from as day,
        0 as open_step,
        1 as past_step
    from spans
    where past_from is not null and (open_until is null or open_until > past_from)
    union all
    select
        category,
        open_until as day,
        0 as open_step,
        -1 as past_step
    from spans
    where past_from is not null and open_until > past_from
),

daily_steps as (
    select
        category,
        day,
        sum(open_step) as open_step,
        sum(past_step) as past_step
    from steps
    group by category, day
),

grid as (
    select
        days.day,
        categories.category,
        coalesce(daily_steps.open_step, 0) as open_step,
        coalesce(daily_steps.past_step, 0) as past_step
    from days
    cross join categories
    left join daily_steps
        on daily_steps.day = days.day
        and daily_steps.category = categories.category
)

select
    day,
    category,
    cast(sum(open_step) over (
        partition by category order by day rows between unbounded preceding and current row
    ) as integer) as open_tickets,
    cast(sum(past_step) over (
        partition by category order by day rows between unbounded preceding and current row
    ) as integer) as past_target_tickets
from grid
