-- Every KPI value: the measured values (score_measured_kpi_values) and
-- agent_score_avg (kpi_agent_score_avg, computed from the agents' scores) on
-- the entity spine, month rows only, for every entity of the month at its
-- catalogue levels; without scored agents 0, 0 and NULL. The centre and the
-- teams are scored from these values; marts.kpi_values publishes them.
with computed as (
    select
        'agent_score_avg' as kpi_code,
        period_grain,
        period_start,
        level,
        entity_id,
        numerator,
        denominator
    from {{ ref('kpi_agent_score_avg') }}
)
{{ kpi_rows_on_spine(['agent_score_avg'], 'computed', month_only=true) }}
union all
select
    period_grain,
    period_start,
    level,
    entity_id,
    kpi_code,
    numerator,
    denominator,
    value
from {{ ref('score_measured_kpi_values') }}
