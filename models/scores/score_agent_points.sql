-- Points of the assessed agents per month, agent and rule (items and
-- adjustments) of each agent's rule set, from the measured KPI values
-- (agent_score_avg, the one KPI computed from the agents' scores, has no
-- agent level).
{{ kpi_points(ref('score_measured_kpi_values'), "level = 'agent'") }}
