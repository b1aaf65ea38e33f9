-- 报表报送质量: issues raised about the centre's reports in the period (by
-- raised_at), any issue type. Centre level; the count is the numerator.
with facts as (
    select
        raised_date as event_date,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        issue_id,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_report_issues') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_report_issues', record_key=['issue_id']) }}
