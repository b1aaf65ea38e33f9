-- Published scorecards (columns and types: the contract in
-- models/marts/_marts.yml): the month scorecards of score_month_cards and the
-- quarter, half-year and year scorecards built from them
-- (score_period_cards). Month rows are never excellent.
select
    period_start,
    level,
    entity_id,
    entity_name,
    rule_set,
    total_score,
    scored_weight,
    grade,
    rank,
    ranked_entities,
    pay_ratio,
    award_amount,
    improvement_plan_required,
    at_risk,
    assessed,
    not_assessed_reason,
    base_score,
    adjustment_points,
    'month' as period_grain,
    false as excellent
from {{ ref('score_month_cards') }}
union all
select
    period_start,
    level,
    entity_id,
    entity_name,
    rule_set,
    total_score,
    scored_weight,
    grade,
    rank,
    ranked_entities,
    pay_ratio,
    award_amount,
    improvement_plan_required,
    at_risk,
    assessed,
    not_assessed_reason,
    base_score,
    adjustment_points,
    period_grain,
    excellent
from {{ ref('score_period_cards') }}
