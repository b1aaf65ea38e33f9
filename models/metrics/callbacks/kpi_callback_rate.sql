-- 客户回访率: customers with a callback planned in the period (by planned_date)
-- who got at least one completed one, over those customers. Counted in
-- customers, not calls; cancelled callbacks are excluded.
with facts as (
    select
        planned_date as event_date,
        agent_id,
        callback_id,
        customer_id as distinct_key,
        case when status = 'completed' then 1 else 0 end as numerator,
        1 as denominator
    from {{ ref('stg_callbacks') }}
    where not is_cancelled
)
{{ aggregate_kpi('facts', method='distinct', records='stg_callbacks', record_key=['callback_id']) }}
