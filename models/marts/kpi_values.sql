-- Published KPI values: every KPI value of score_kpi_values, one row per
-- (period, level, entity, KPI of that level).
select
    period_grain,
    period_start,
    level,
    entity_id,
    kpi_code,
    numerator,
    denominator,
    value
from {{ ref('score_kpi_values') }}
