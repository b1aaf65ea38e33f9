-- 客户满意度: mean of csat_score x 20 over surveys responded in the period (by
-- responded_at); numerator: the sum of the scores, denominator: the responses.
with facts as (
    select
        responded_date as event_date,
        agent_id,
        survey_id,
        csat_points as numerator,
        1 as denominator
    from {{ ref('stg_surveys') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_surveys', record_key=['survey_id']) }}
