-- 重大投诉数量: complaints received in the period (by received_at) with severity
-- major for which the centre is responsible (a missing is_responsible is
-- true). The count is the numerator.
with facts as (
    select
        received_date as event_date,
        agent_id,
        complaint_id,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_complaints') }}
    where severity = 'major'
        and is_responsible
)
{{ aggregate_kpi('facts', method='sum', records='stg_complaints', record_key=['complaint_id']) }}
