-- The rule set of every entity and month (scoring_rule_sets), and whether it is
-- assessed. An agent: the rule set of (agent, its role) when such a row exists,
-- else the agent level's row without a role. A team, a department or the
-- centre: the rule set of (its level, the role most of its agents have that
-- month; ties: the first role in sort order) when such a row exists, else its
-- level's row without a role. Its agents: those in it that month
-- (int_agent_months) and employed in the month (as int_kpi_entities); an
-- agent without a role does not vote. An entity without a matching row has no
-- rule set and no scorecard. Agents are assessed as score_assessment says,
-- every other entity always.
with entities as (
    select
        period_start,
        level,
        entity_id
    from {{ ref('int_kpi_entities') }}
    where period_grain = 'month'
),

members as (
    select
        agent_months.month_start,
        agent_months.team,
        agent_months.department,
        agents.role
    from {{ ref('int_agent_months') }} as agent_months
    inner join {{ ref('int_agents') }} as agents
        on agents.agent_id = agent_months.agent_id
    where agents.role is not null
        and (agents.hired_on is null or agents.hired_on <= agent_months.month_end)
        and (agents.left_on is null or agents.left_on >= agent_months.month_start)
),

memberships as (
    select
        month_start,
        'center' as level,
        'center' as entity_id,
        role
    from members
    union all
    select
        month_start,
        'department' as level,
        department as entity_id,
        role
    from members
    where department is not null
    union all
    select
        month_start,
        'team' as level,
        team as entity_id,
        role
    from members
),

role_counts as (
    select
        month_start,
        level,
        entity_id,
        role,
        row_number() over (
            partition by month_start, level, entity_id
            order by count(*) desc, role
        ) as role_order
    from memberships
    group by month_start, level, entity_id, role
),

entity_roles as (
    select
        entities.period_start,
        entities.level,
        entities.entity_id,
        case when entities.level = 'agent' then agents.role else role_counts.role end as role
    from entities
    left join {{ ref('int_agents') }} as agents
        on entities.level = 'agent'
        and agents.agent_id = entities.entity_id
    left join role_counts
        on role_counts.month_start = entities.period_start
        and role_counts.level = entities.level
        and role_counts.entity_id = entities.entity_id
        and role_counts.role_order = 1
),

chosen as (
    select
        entity_roles.period_start,
        entity_roles.level,
        entity_roles.entity_id,
        entity_roles.role,
        coalesce(by_role.rule_set, by_level.rule_set) as rule_set
    from entity_roles
    left join {{ ref('scoring_rule_sets') }} as by_role
        on by_role.level = entity_roles.level
        and by_role.role = entity_roles.role
    left join {{ ref('scoring_rule_sets') }} as by_level
        on by_level.level = entity_roles.level
        and by_level.role is null
)

select
    chosen.period_start,
    chosen.level,
    chosen.entity_id,
    chosen.role,
    chosen.rule_set,
    coalesce(assessment.assessed, true) as assessed,
    assessment.not_assessed_reason
from chosen
left join {{ ref('score_assessment') }} as assessment
    on chosen.level = 'agent'
    and assessment.agent_id = chosen.entity_id
    and assessment.period_start = chosen.period_start
where chosen.rule_set is not null
