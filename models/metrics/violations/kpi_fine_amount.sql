-- 罚款金额: Σ effective fines in yuan (int_violations: fine_yuan, 0 included,
-- else effective points x fine_per_point) of the violations placed by
-- occurred_at, attributed as int_violations says. Published like a count: the
-- sum is the numerator; the denominator counts the violations.
with facts as (
    select
        occurred_date as event_date,
        agent_id,
        team,
        violation_id,
        fine_amount as numerator,
        1 as denominator
    from {{ ref('int_violations') }}
)
{{ aggregate_kpi('facts', method='sum', fact_team=true, records='int_violations', record_key=['violation_id']) }}
