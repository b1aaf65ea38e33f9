-- 业务计划完成率: plans with plan_code business_volume, placed by period_month;
-- numerator: Σ actual, denominator: Σ planned. A month whose actual is not
-- reported (NULL) leaves both sums. Centre level.
{{ plan_ratio('business_volume') }}
