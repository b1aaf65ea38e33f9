-- Every month that holds a record is a month of the period spine.
{{ config(meta={'dagster': {'ref': {'name': 'int_periods'}}}) }}
select events.event_month
from {{ ref('int_event_months') }} as events
left join {{ ref('int_periods') }} as periods
    on periods.period_grain = 'month'
    and periods.period_start = events.event_month
where periods.period_start is null
