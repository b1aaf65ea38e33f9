-- 净推荐值: surveys responded in the period (by responded_at) with an nps_score;
-- numerator: promoters (9-10) minus detractors (0-6), denominator: those
-- responses. The published value is 100 x numerator / denominator.
with facts as (
    select
        responded_date as event_date,
        agent_id,
        survey_id,
        case when is_promoter then 1 when is_detractor then -1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_surveys') }}
    where nps_score is not null
)
{{ aggregate_kpi('facts', method='sum', records='stg_surveys', record_key=['survey_id']) }}
