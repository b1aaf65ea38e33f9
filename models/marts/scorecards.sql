-- Published scorecards (columns and types: the contract in
-- models/marts/_marts.yml): the month scorecards of score_month_cards.
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
    adjustment_points
from {{ ref('score_month_cards') }}
