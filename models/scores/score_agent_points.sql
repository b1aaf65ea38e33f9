-- Points of the agents' rules per month, agent and KPI, from int_kpi_values
-- (agent_score_avg, the one KPI computed from scorecards, has no agent level).
{{ kpi_points(ref('int_kpi_values'), "level = 'agent'") }}
