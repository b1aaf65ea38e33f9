-- 大客户回访次数: completed callbacks by completion date to a customer that was
-- a big client on that date (big-client date <= completion date) and not yet
-- churned (completion date < churned_at).
with facts as (
    select
        callbacks.completed_date as event_date,
        callbacks.agent_id,
        callbacks.callback_id,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_callbacks') }} as callbacks
    inner join {{ ref('stg_customers') }} as customers
        on customers.customer_id = callbacks.customer_id
    where callbacks.status = 'completed'
        and customers.is_big_client
        and (customers.big_client_from is null or customers.big_client_from <= callbacks.completed_date)
        and (customers.churned_at is null or callbacks.completed_date < customers.churned_at)
)
{{ aggregate_kpi('facts', method='sum', records='stg_callbacks', record_key=['callback_id']) }}
