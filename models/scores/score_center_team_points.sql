-- Points of the centre, the departments and the teams per month, entity and
-- rule (items and adjustments) of each one's rule set, from every KPI value
-- (score_kpi_values, agent_score_avg among them).
{{ kpi_points(ref('score_kpi_values'), "level <> 'agent'") }}
