-- 公共设施完好率: Σ items_intact / Σ items_checked of the facility checks placed
-- by check_date. A check without an agent_id counts at centre level only.
with facts as (
    select
        check_date as event_date,
        agent_id,
        check_id,
        items_intact as numerator,
        items_checked as denominator
    from {{ ref('stg_facility_checks') }}
)
{{ aggregate_kpi('facts', method='sum', records='stg_facility_checks', record_key=['check_id']) }}
