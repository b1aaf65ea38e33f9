-- 服务流程改进目标完成率: plans with plan_code process_improvement, placed by period_month;
-- numerator: Σ actual, denominator: Σ planned. A month whose actual is not
-- reported (NULL) leaves both sums. Centre level.
{{ plan_ratio('process_improvement') }}
