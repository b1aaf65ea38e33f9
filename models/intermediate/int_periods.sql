-- The period spine: every month between the earliest and the latest event
-- month (int_event_months), and every quarter and year containing one of
-- those months.
{%- set max_months = 1200 %}
with bounds as (
    select
        min(event_month) as first_month,
        max(event_month) as last_month
    from {{ ref('int_event_months') }}
),

-- The series holds {{ max_months }} months; the test
-- assert_event_months_in_period_spine fails if the data spans more.
months as (
    select cast({{ dbt.dateadd('month', 'series.generated_number - 1', 'bounds.first_month') }} as date) as period_start
    from ({{ dbt.generate_series(max_months) }}) as series
    cross join bounds
    where series.generated_number - 1 <= {{ dbt.datediff('bounds.first_month', 'bounds.last_month', 'month') }}
),

starts as (
    select
        'month' as period_grain,
        period_start
    from months
    union all
    select distinct
        'quarter' as period_grain,
        cast({{ dbt.date_trunc('quarter', 'period_start') }} as date)
    from months
    union all
    select distinct
        'year' as period_grain,
        cast({{ dbt.date_trunc('year', 'period_start') }} as date)
    from months
)

select
    period_grain,
    period_start,
    case period_grain
        when 'month' then {{ dbt.last_day('period_start', 'month') }}
        when 'quarter' then {{ dbt.last_day('period_start', 'quarter') }}
        else {{ dbt.last_day('period_start', 'year') }}
    end as period_end
from starts
