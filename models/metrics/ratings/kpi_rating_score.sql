-- 考评得分: manual ratings of the period's months, per person then the mean.
-- An agent's unit is its combined score for the period (int_rating_scores:
-- the rater types' means over the period's rater-months, weighted by
-- rating_weights). Agent level: (combined score, 1); centre: Σ of the rated
-- agents' combined scores (on the roster or not) and their number. Team and
-- department: an agent counts once in each team (department) it was in
-- during the period, with the combined score of its rater-months of the
-- months it was there (int_agent_months: the roster snapshot in force), as
-- per_person_mean does for exams. Agents without a combined score are left
-- out; no combined score at all gives (0, 0, NULL) on the spine.
with agent_ratings as (
    select
        period_grain,
        period_start,
        agent_id,
        combined_score
    from {{ ref('int_rating_scores') }}
    where combined_score is not null
        and {{ period_in_refresh_window('period_grain', 'period_start') }}
),

member_months as (
    select
        rater_months.month_start,
        rater_months.agent_id,
        agent_months.team,
        agent_months.department,
        rater_months.rater_type,
        rater_months.rater_key,
        rater_months.rater_score
    from {{ ref('int_rating_rater_months') }} as rater_months
    inner join {{ ref('int_agent_months') }} as agent_months
        on agent_months.agent_id = rater_months.agent_id
        and agent_months.month_start = rater_months.month_start
),

member_rater_months as (
    {%- for grain in ['month', 'quarter', 'year'] %}
    {%- for level in ['team', 'department'] %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'month_start') }} as date) as period_start,
        '{{ level }}' as level,
        {{ level }} as entity_id,
        agent_id,
        rater_type,
        rater_key,
        rater_score
    from member_months
    where {{ level }} is not null
        and {{ event_in_refresh_window(grain, 'month_start') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)
{{ rating_scores(
    'member_rater_months',
    ['period_grain', 'period_start', 'level', 'entity_id', 'agent_id'],
    into='member_ratings'
) }}

select
    period_grain,
    period_start,
    'center' as level,
    'center' as entity_id,
    {{ exact_sum('combined_score') }} as numerator,
    cast(count(*) as {{ type_double() }}) as denominator
from agent_ratings
group by period_grain, period_start
union all
select
    period_grain,
    period_start,
    level,
    entity_id,
    {{ exact_sum('combined_score') }} as numerator,
    cast(count(*) as {{ type_double() }}) as denominator
from member_ratings
where combined_score is not null
group by period_grain, period_start, level, entity_id
union all
select
    agent_ratings.period_grain,
    agent_ratings.period_start,
    'agent' as level,
    agent_ratings.agent_id as entity_id,
    agent_ratings.combined_score as numerator,
    cast(1 as {{ type_double() }}) as denominator
from agent_ratings
inner join {{ ref('int_agents') }} as roster
    on roster.agent_id = agent_ratings.agent_id
