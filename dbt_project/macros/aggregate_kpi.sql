{#
  Re-aggregates a KPI's event-level facts to every period grain and level.

  `facts` names a CTE with: event_date (date), agent_id, numerator, denominator,
  for method 'distinct' distinct_key and, with `fact_team`, team. Emits
  (period_grain, period_start, level, entity_id, numerator, denominator):
    level center: every fact; department and team: the department and team of
    the fact's agent in the fact's month (int_agent_months: the roster snapshot
    in force on the month's last day), in every grain; an agent without a
    department reaches no department; agent: the fact's agent when on the
    roster. Facts without a rostered agent count at center level only, unless
    `fact_team`: then such a fact with a team of its own (e.g. a violation
    recorded against a team) also reaches that team, never a department.
  Methods:
    sum              Σnumerator, Σdenominator (ratios, means, counts, nps)
    distinct         numerator = distinct keys with any numerator > 0,
                     denominator = distinct keys (e.g. customers, not calls)
    per_person_mean  each agent's Σnumerator / Σdenominator over the whole period,
                     then Σ of those means and the number of agents; at team
                     (department) level over the agent's records of its months
                     in the team (department): an agent who moved counts once in
                     each of its teams (departments)
  Method sum re-aggregates numerators and denominators, which add up: months from
  the facts, quarters and years from the exact sums of their months' rows (the
  same figures as from the facts, to the last bits of a double). So a refresh of
  some months reads the facts of those months only: the other months of their
  quarters and years are read back from the model's own rows. The other methods
  are not additive: every period re-aggregates the facts.
  Usage: `with facts as (...) {{ aggregate_kpi('facts', method='sum') }}`; the
  macro continues the WITH list and ends with the final select.
#}
{% macro aggregate_kpi(facts, method='sum', fact_team=false) %}
{%- if method not in ('sum', 'distinct', 'per_person_mean') -%}
    {{ exceptions.raise_compiler_error("aggregate_kpi: unknown method '" ~ method ~ "'") }}
{%- endif -%}
{%- if fact_team and method == 'per_person_mean' -%}
    {{ exceptions.raise_compiler_error("aggregate_kpi: a per-person mean needs an agent; fact_team does not apply") }}
{%- endif -%}
{%- set key = ', f.distinct_key' if method == 'distinct' else '' -%}
{%- set key_column = ', distinct_key' if method == 'distinct' else '' -%}
, kpi_attributed as (
    select
        f.event_date,
        f.agent_id,
        {%- if fact_team %}
        case when roster.agent_id is null then f.team else agent_months.team end as team,
        {%- else %}
        agent_months.team,
        {%- endif %}
        agent_months.department,
        roster.agent_id as roster_agent_id,
        cast(f.numerator as {{ type_double() }}) as numerator,
        cast(f.denominator as {{ type_double() }}) as denominator{{ key }}
    from {{ facts }} as f
    left join {{ ref('int_agents') }} as roster
        on roster.agent_id = f.agent_id
    left join {{ ref('int_agent_months') }} as agent_months
        on agent_months.agent_id = f.agent_id
        and agent_months.month_start = cast({{ dbt.date_trunc('month', 'f.event_date') }} as date)
    where f.event_date is not null
),
kpi_placed as (
    {%- set grains = ['month'] if method == 'sum' else ['month', 'quarter', 'year'] %}
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'f.event_date') }} as date) as period_start,
        f.agent_id,
        f.team,
        f.department,
        f.roster_agent_id,
        f.numerator,
        f.denominator{{ key }}
    from kpi_attributed as f
    where {{ event_in_refresh_window(grain, 'f.event_date') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
{%- if method == 'per_person_mean' %}
{#- One unit per agent and period (centre and agent levels), per agent, department and period (department level)
    and per agent, team and period (team level). #}
kpi_units as (
    select
        period_grain,
        period_start,
        roster_agent_id,
        {{ exact_sum('numerator') }} / {{ exact_sum('denominator') }} as numerator,
        cast(1 as {{ type_double() }}) as denominator
    from kpi_placed
    where agent_id is not null
    group by period_grain, period_start, agent_id, roster_agent_id
    having sum(denominator) > 0
),
kpi_team_units as (
    select
        period_grain,
        period_start,
        team,
        {{ exact_sum('numerator') }} / {{ exact_sum('denominator') }} as numerator,
        cast(1 as {{ type_double() }}) as denominator
    from kpi_placed
    where team is not null
    group by period_grain, period_start, agent_id, team
    having sum(denominator) > 0
),
kpi_department_units as (
    select
        period_grain,
        period_start,
        department,
        {{ exact_sum('numerator') }} / {{ exact_sum('denominator') }} as numerator,
        cast(1 as {{ type_double() }}) as denominator
    from kpi_placed
    where department is not null
    group by period_grain, period_start, agent_id, department
    having sum(denominator) > 0
),
{%- set team_units = 'kpi_team_units' %}
{%- set department_units = 'kpi_department_units' %}
{%- else %}
kpi_units as (
    select * from kpi_placed
),
{%- set team_units = 'kpi_units' %}
{%- set department_units = 'kpi_units' %}
{%- endif %}
kpi_leveled as (
    select period_grain, period_start, 'center' as level, 'center' as entity_id,
        numerator, denominator{{ key_column }}
    from kpi_units
    union all
    select period_grain, period_start, 'department' as level, department as entity_id,
        numerator, denominator{{ key_column }}
    from {{ department_units }}
    where department is not null
    union all
    select period_grain, period_start, 'team' as level, team as entity_id,
        numerator, denominator{{ key_column }}
    from {{ team_units }}
    where team is not null
    union all
    select period_grain, period_start, 'agent' as level, roster_agent_id as entity_id,
        numerator, denominator{{ key_column }}
    from kpi_units
    where roster_agent_id is not null
)
{%- if method == 'sum' %},
kpi_months as (
    select
        period_grain,
        period_start,
        level,
        entity_id,
        {{ exact_sum('numerator') }} as numerator,
        {{ exact_sum('denominator') }} as denominator
    from kpi_leveled
    group by period_grain, period_start, level, entity_id
),
kpi_every_month as (
    select * from kpi_months
    {%- if refresh_window_active() %}
    {#- The months kept: the pre-hook deleted the refreshed ones, recomputed in kpi_months. #}
    union all
    select period_grain, period_start, level, entity_id, numerator, denominator
    from {{ this }}
    where period_grain = 'month'
    {%- endif %}
)
select * from kpi_months
{%- for grain in ['quarter', 'year'] %}
union all
select
    '{{ grain }}' as period_grain,
    cast({{ dbt.date_trunc(grain, 'period_start') }} as date) as period_start,
    level,
    entity_id,
    {{ exact_sum('numerator') }} as numerator,
    {{ exact_sum('denominator') }} as denominator
from kpi_every_month
where {{ event_in_refresh_window(grain, 'period_start') }}
group by cast({{ dbt.date_trunc(grain, 'period_start') }} as date), level, entity_id
{%- endfor %}
{%- else %}
select
    period_grain,
    period_start,
    level,
    entity_id,
    {%- if method == 'distinct' %}
    cast(count(distinct case when numerator > 0 then distinct_key end) as {{ type_double() }}) as numerator,
    cast(count(distinct distinct_key) as {{ type_double() }}) as denominator
    {%- else %}
    {{ exact_sum('numerator') }} as numerator,
    {{ exact_sum('denominator') }} as denominator
    {%- endif %}
from kpi_leveled
group by period_grain, period_start, level, entity_id
{%- endif %}
{% endmacro %}
