-- Published KPI points (marts.kpi_scores): one row per month, level, entity and
-- scored KPI; a KPI without a value keeps its row with the rule's weight and
-- NULL points.
select
    period_start,
    level,
    entity_id,
    rule_set,
    kpi_code,
    value,
    weight,
    points
from {{ ref('score_points') }}
