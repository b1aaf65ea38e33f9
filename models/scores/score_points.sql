-- Points per month, level, entity, component and scored KPI, every level.
select
    period_start,
    level,
    entity_id,
    rule_set,
    component,
    kpi_code,
    rule_type,
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
    component,
    kpi_code,
    rule_type,
    value,
    weight,
    points
from {{ ref('score_center_team_points') }}
