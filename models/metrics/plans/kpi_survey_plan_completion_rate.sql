-- 客户调研计划完成率: plans with plan_code customer_survey, placed by period_month;
-- numerator: Σ actual, denominator: Σ planned. A month whose actual is not
-- reported (NULL) leaves both sums. Centre level.
with facts as (
    select
        period_month as event_date,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        actual as numerator,
        planned as denominator
    from {{ ref('stg_plans') }}
    where plan_code = 'customer_survey'
        and actual is not null
)
{{ aggregate_kpi('facts', method='sum') }}
