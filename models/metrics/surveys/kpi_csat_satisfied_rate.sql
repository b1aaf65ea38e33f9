-- 客户满意率: surveys responded in the period (by responded_at); numerator:
-- csat_score >= 4.
with facts as (
    select
        responded_date as event_date,
        agent_id,
        survey_id,
        case when csat_score >= 4 then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_surveys') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_surveys', record_key=['survey_id']) }}
