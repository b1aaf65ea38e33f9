-- The agents' totals per month (entity_totals over score_agent_points): every
-- agent with a rule set, assessed or not. agent_score_avg averages them;
-- score_totals publishes them with the other levels.
{{ entity_totals(ref('score_agent_points'), "level = 'agent'") }}
