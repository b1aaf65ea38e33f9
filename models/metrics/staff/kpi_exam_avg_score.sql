-- 业务考试平均得分: exam results placed by exam_date; each agent's mean score over
-- the whole period, then the mean over agents. Numerator: Σ of the agents'
-- means, denominator: the number of agents (agent level: the mean and 1).
with facts as (
    select
        exam_date as event_date,
        agent_id,
        exam_id,
        score as numerator,
        1 as denominator
    from {{ ref('stg_exams') }}
)
{{ aggregate_kpi('facts', method='per_person_mean', records='stg_exams', record_key=['exam_id', 'agent_id']) }}
