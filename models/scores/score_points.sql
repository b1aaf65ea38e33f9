-- Points per month, level, entity and scored KPI, every level.
select
    period_start,
    level,
    entity_id,
    rule_set,
    kpi_code,
    value,
    weight,
    points
from {{ ref('score_agent_points') }}
union all
select
    period_start,
    level,
    entity_id,
    rule_set,
    kpi_code,
    value,
    weight,
    points
from {{ ref('score_center_team_points') }}
