-- Each rostered agent's team and department per month: those of the roster
-- snapshot in force on the month's last day, i.e. the latest snapshot dated on
-- or before it that lists the agent (a snapshot never deletes an agent, as in
-- raw.agents). Months before the agent's first snapshot take that first
-- snapshot. An agent without any snapshot keeps its roster team. Months: every
-- month of the spine's years, so quarters and years are covered whole.
with months as (
    select
        cast({{ dbt.dateadd('month', 'series.generated_number - 1', 'years.period_start') }} as date) as month_start
    from {{ ref('int_periods') }} as years
    cross join ({{ dbt.generate_series(12) }}) as series
    where years.period_grain = 'year'
),

snapshots as (
    select
        agent_id,
        snapshot_date,
        team,
        department,
        row_number() over (partition by agent_id order by snapshot_date) as snapshot_number,
        lead(snapshot_date) over (partition by agent_id order by snapshot_date) as next_snapshot_date
    from {{ ref('stg_agents_snapshots') }}
),

roster as (
    select
        agent_id,
        team,
        department
    from {{ ref('stg_agents') }}
),

agent_months as (
    select
        roster.agent_id,
        months.month_start,
        cast({{ dbt.last_day('months.month_start', 'month') }} as date) as month_end,
        roster.team as roster_team,
        roster.department as roster_department
    from roster
    cross join months
)

select
    agent_months.agent_id,
    agent_months.month_start,
    agent_months.month_end,
    case when snapshots.agent_id is null then agent_months.roster_team else snapshots.team end as team,
    case when snapshots.agent_id is null then agent_months.roster_department else snapshots.department end as department,
    snapshots.snapshot_date
from agent_months
left join snapshots
    on snapshots.agent_id = agent_months.agent_id
    and (snapshots.snapshot_number = 1 or snapshots.snapshot_date <= agent_months.month_end)
    and (snapshots.next_snapshot_date is null or snapshots.next_snapshot_date > agent_months.month_end)
