-- 客户意见反馈及时率: feedback tickets created in the period (by created_at);
-- numerator: first response within feedback_sla_hours of creation (exactly on
-- the SLA is timely). No first response = not timely.
with facts as (
    select
        created_date as event_date,
        agent_id,
        case
            when {{ seconds_between('created_at', 'first_response_at') }} <= {{ var('feedback_sla_hours') }} * 3600
                then 1
            else 0
        end as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and category = 'feedback'
)
{{ aggregate_kpi('facts', method='sum') }}
