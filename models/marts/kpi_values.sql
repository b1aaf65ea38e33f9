-- One row per (period, level, entity, KPI of that level): int_kpi_values (every
-- KPI of the kpi_models() macro) and agent_score_avg, which is computed from
-- the agents' scorecards and therefore joins after scoring. agent_score_avg
-- has month rows only, for every entity of the month at its catalogue levels:
-- numerator = Σ of the agents' total_score, denominator = the agents with a
-- total_score, value = the mean; without such agents 0, 0 and NULL.
with computed as (
    select 'agent_score_avg' as kpi_code, period_grain, period_start, level, entity_id, numerator, denominator
    from {{ ref('kpi_agent_score_avg') }}
)
{{ kpi_rows_on_spine(['agent_score_avg'], 'computed', month_only=true) }}
union all
select period_grain, period_start, level, entity_id, kpi_code, numerator, denominator, value
from {{ ref('int_kpi_values') }}
