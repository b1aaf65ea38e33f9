-- Points of the centre's and the teams' rules per month, entity and KPI, from
-- every KPI value (score_kpi_values), agent_score_avg among them.
{{ kpi_points(ref('score_kpi_values'), "level <> 'agent'") }}
