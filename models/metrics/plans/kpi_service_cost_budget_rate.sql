-- 服务费用预算控制率: plans with plan_code service_cost, placed by period_month;
-- numerator: Σ actual, denominator: Σ planned. A month whose actual is not
-- reported (NULL) leaves both sums. Centre level.
{{ plan_ratio('service_cost') }}
