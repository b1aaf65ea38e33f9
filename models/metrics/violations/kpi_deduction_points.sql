-- 扣分合计: Σ effective points (int_violations: points, else the category's
-- default) of the violations placed by occurred_at, attributed as
-- int_violations says. Published like a count: the sum is the numerator; the
-- denominator counts the violations.
with facts as (
    select
        occurred_date as event_date,
        agent_id,
        team,
        violation_id,
        points as numerator,
        1 as denominator
    from {{ ref('int_violations') }}
)
{{ aggregate_kpi('facts', method='sum', fact_team=true, records='int_violations', record_key=['violation_id']) }}
