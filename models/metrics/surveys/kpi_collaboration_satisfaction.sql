-- 部门协作满意度: collaboration survey responses placed by their rated month
-- (period_month); numerator: Σ score, denominator: the responses. Centre level.
with facts as (
    select
        period_month as event_date,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        response_id,
        score as numerator,
        1 as denominator
    from {{ ref('stg_collaboration_surveys') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_collaboration_surveys', record_key=['response_id']) }}
