-- 绩效成绩平均得分: the mean of the agents' scorecard total_score for the month
-- (the adjusted, clamped total), over the agents whose total_score is not NULL:
-- not-assessed agents and agents without a scored KPI are left out. A team or
-- department averages its agents (their team and department in that month:
-- int_agent_months; an agent without a department reaches no department).
-- Month rows only. Numerator: Σ total_score, denominator: the agents counted.
with scored as (
    select
        totals.period_start,
        totals.total_score,
        agent_months.team,
        agent_months.department
    from {{ ref('score_agent_totals') }} as totals
    inner join {{ ref('int_agent_months') }} as agent_months
        on agent_months.agent_id = totals.entity_id
        and agent_months.month_start = totals.period_start
    where totals.total_score is not null
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
    'department' as level,
    department as entity_id,
    {{ exact_sum('total_score') }} as numerator,
    cast(count(*) as {{ type_double() }}) as denominator
from scored
where department is not null
group by period_start, department
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
