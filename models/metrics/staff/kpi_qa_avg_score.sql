-- 品质管理平均得分: QA reviews placed by reviewed_at; each agent's mean score over
-- the whole period, then the mean over agents. Numerator: Σ of the agents'
-- means, denominator: the number of agents (agent level: the mean and 1).
with facts as (
    select
        reviewed_date as event_date,
        agent_id,
        review_id,
        score as numerator,
        1 as denominator
    from {{ ref('stg_qa_reviews') }}
)
{{ aggregate_kpi('facts', method='per_person_mean', records='stg_qa_reviews', record_key=['review_id']) }}
