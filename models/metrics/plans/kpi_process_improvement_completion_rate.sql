-- 服务流程改进目标完成率: plans with plan_code process_improvement, placed by period_month;
-- numerator: Σ actual, denominator: Σ planned. A month whose actual is not
-- reported (NULL) leaves both sums. Centre level.
with facts as (
    select
        period_month as event_date,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        actual as numerator,
        planned as denominator
    from {{ ref('stg_plans') }}
    where plan_code = 'process_improvement'
        and actual is not null
)
{{ aggregate_kpi('facts', method='sum') }}
