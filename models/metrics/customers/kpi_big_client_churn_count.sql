-- 大客户流失数: big clients whose churned_at is in the period and whose big-client
-- date (NULL: always big) is on or before churned_at. Centre level.
with facts as (
    select
        churned_at as event_date,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        customer_id,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_customers') }}
    where is_big_client
        and churned_at is not null
        and (big_client_from is null or big_client_from <= churned_at)
)
{{ aggregate_kpi('facts', method='sum', records='stg_customers', record_key=['customer_id']) }}
