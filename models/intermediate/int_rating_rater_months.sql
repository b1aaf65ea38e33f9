-- Manual ratings per rater: one row per rater, rated agent and month, the
-- rater's score of the agent that month = the mean of its item scores (every
-- ratings row is one item score). A rater is (rater_type, rater_id); a row
-- without rater_id is a rater of its own, told apart by its rating_id. The
-- prefixes keep the two kinds of rater_key from ever meeting. rater_key names
-- the rater and stays out of the marts (考核数据保密).
with ratings as (
    select
        cast({{ dbt.date_trunc('month', 'period_month') }} as date) as month_start,
        agent_id,
        rater_type,
        case
            when rater_id is null then {{ dbt.concat(["'row:'", 'rating_id']) }}
            else {{ dbt.concat(["'id:'", 'rater_id']) }}
        end as rater_key,
        cast(score as {{ type_double() }}) as score
    from {{ ref('stg_ratings') }}
)

select
    month_start,
    agent_id,
    rater_type,
    rater_key,
    {{ exact_sum('score') }} / cast(count(*) as {{ type_double() }}) as rater_score,
    count(*) as item_count
from ratings
group by month_start, agent_id, rater_type, rater_key
