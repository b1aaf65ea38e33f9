-- 物业费收缴率: Σ households_paid / Σ households_due of the fee_collection rows
-- whose period_month is in the period (per steward, building and month; a
-- team pools its stewards' buildings).
with facts as (
    select
        period_month as event_date,
        agent_id,
        period_month,
        building,
        households_paid as numerator,
        households_due as denominator
    from {{ ref('stg_fee_collection') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_fee_collection', record_key=['period_month', 'building', 'agent_id']) }}
