-- 客户服务信息传递及时率: info_transfer tickets created in the period (by
-- created_at); numerator: transferred within transfer_sla_hours of creation
-- (exactly on the SLA is timely). No transfer time = not timely.
with facts as (
    select
        created_date as event_date,
        agent_id,
        case
            when {{ seconds_between('created_at', 'transferred_at') }} <= {{ var('transfer_sla_hours') }} * 3600
                then 1
            else 0
        end as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and category = 'info_transfer'
)
{{ aggregate_kpi('facts', method='sum') }}
