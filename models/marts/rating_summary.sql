-- Published manual ratings: one row per month and rated agent with any
-- rating (int_rating_scores, month rows). No rater_id: a rater's identity is
-- confidential (考核数据保密); rater_count tells how many rated.
select
    period_start,
    agent_id,
    self_score,
    peer_score,
    supervisor_score,
    manager_score,
    combined_score,
    cast(rater_count as integer) as rater_count
from {{ ref('int_rating_scores') }}
where period_grain = 'month'
