-- 大客户流失率: big_client_churn_count of the period / big clients active at the
-- period start (big-client date NULL or < start, and churned_at NULL or >=
-- start). The numerator is the churn count as defined, so a client that became
-- big inside the period and churned in it counts there but not in the
-- denominator. Centre level, every period of the spine.
with periods as (
    select
        period_grain,
        period_start,
        period_end
    from {{ ref('int_periods') }}
    where {{ period_in_refresh_window('period_grain', 'period_start') }}
),

big_clients as (
    select
        big_client_from,
        churned_at
    from {{ ref('stg_customers') }}
    where is_big_client
),

active_at_start as (
    select
        periods.period_grain,
        periods.period_start,
        count(*) as n_active
    from periods
    inner join big_clients
        on (big_clients.big_client_from is null or big_clients.big_client_from < periods.period_start)
        and (big_clients.churned_at is null or big_clients.churned_at >= periods.period_start)
    group by periods.period_grain, periods.period_start
),

churned as (
    select
        periods.period_grain,
        periods.period_start,
        count(*) as n_churned
    from periods
    inner join big_clients
        on big_clients.churned_at between periods.period_start and periods.period_end
        and (big_clients.big_client_from is null or big_clients.big_client_from <= big_clients.churned_at)
    group by periods.period_grain, periods.period_start
)

select
    periods.period_grain,
    periods.period_start,
    'center' as level,
    'center' as entity_id,
    cast(coalesce(churned.n_churned, 0) as {{ type_double() }}) as numerator,
    cast(coalesce(active_at_start.n_active, 0) as {{ type_double() }}) as denominator
from periods
left join active_at_start
    on active_at_start.period_grain = periods.period_grain
    and active_at_start.period_start = periods.period_start
left join churned
    on churned.period_grain = periods.period_grain
    and churned.period_start = periods.period_start
