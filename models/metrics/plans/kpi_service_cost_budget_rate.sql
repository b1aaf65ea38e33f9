-- 服务费用预算控制率: plans with plan_code service_cost, placed by period_month;
-- numerator: Σ actual, denominator: Σ planned. A month whose actual is not
-- reported (NULL) leaves both sums. Centre level.
with facts as (
    select
        period_month as event_date,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        actual as numerator,
        planned as denominator
    from {{ ref('stg_plans') }}
    where plan_code = 'service_cost'
        and actual is not null
)
{{ aggregate_kpi('facts', method='sum') }}
