-- Points of the agents' rules per month, agent and KPI, from the measured KPI
-- values (agent_score_avg, the one KPI computed from the agents' scores, has
-- no agent level).
{{ kpi_points(ref('score_measured_kpi_values'), "level = 'agent'") }}
