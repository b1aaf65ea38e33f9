-- 绩效成绩平均得分: the mean of the agents' scorecard total_score for the month,
-- over the agents whose total_score is not NULL; a team averages its agents
-- (their team in that month: int_agent_months). Month rows only. Numerator: Σ total_score,
-- denominator: the agents counted.
with agent_totals as (
    select
        period_start,
        entity_id as agent_id,
        {{ score_total('points', 'weight') }} as total_score
    from {{ ref('score_agent_points') }}
    group by period_start, entity_id
),

scored as (
    select
        agent_totals.period_start,
        agent_totals.total_score,
        agent_months.team
    from agent_totals
    inner join {{ ref('int_agent_months') }} as agent_months
        on agent_months.agent_id = agent_totals.agent_id
        and agent_months.month_start = agent_totals.period_start
    where agent_totals.total_score is not null
)

select
    'month' as period_grain,
    period_start,
    'center' as level,
    'center' as entity_id,
    {{ exact_sum('total_score') }} as numerator,
    cast(count(*) as {{ type_double() }}) as denominator
from scored
group by period_start
union all
select
    'month' as period_grain,
    period_start,
    'team' as level,
    team as entity_id,
    {{ exact_sum('total_score') }} as numerator,
    cast(count(*) as {{ type_double() }}) as denominator
from scored
group by period_start, team
