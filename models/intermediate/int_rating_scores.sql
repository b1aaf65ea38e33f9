-- Manual ratings combined per rated agent and period (month, quarter, year),
-- for every agent with a rating, on the roster or not (rating_scores macro):
-- each rater type's score is the mean of its rater-months in the period (a
-- month: the mean over its raters; a quarter or year: over all of its
-- rater-months, never the mean of monthly scores), combined with the weights
-- of rating_weights; rater_count counts the distinct raters of the period.
with rater_months as (
    {%- for grain in ['month', 'quarter', 'year'] %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'month_start') }} as date) as period_start,
        agent_id,
        rater_type,
        rater_key,
        rater_score
    from {{ ref('int_rating_rater_months') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)
{{ rating_scores('rater_months', ['period_grain', 'period_start', 'agent_id'], into='agent_ratings') }}

select
    period_grain,
    period_start,
    agent_id,
    self_score,
    peer_score,
    supervisor_score,
    manager_score,
    combined_score,
    rater_count
from agent_ratings
