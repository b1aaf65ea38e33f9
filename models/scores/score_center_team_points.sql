-- Points of the centre's and the teams' rules per month, entity and KPI, from
-- the published kpi_values, which include agent_score_avg (computed from the
-- agents' scorecards).
{{ kpi_points(ref('kpi_values'), "level <> 'agent'") }}
