{#
  Re-aggregates a KPI's event-level facts to every period grain and level.

  `facts` names a CTE with: event_date (date), agent_id, numerator, denominator
  (for method 'percentile': value instead of both), for method 'distinct'
  distinct_key and, with `fact_team`, team. Emits (period_grain, period_start,
  level, entity_id, numerator, denominator), and value for method 'percentile':
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
    percentile       value = the `p` percentile (percentile_cont: position
                     (n - 1) x p between the sorted values, linearly interpolated;
                     p to 6 decimals) of the facts' values that are not NULL,
                     numerator NULL, denominator = n, those values counted; no
                     row without one
  Method sum re-aggregates numerators and denominators, which add up: months from
  the facts, quarters and years from the exact sums of their months' rows (the
  same figures as from the facts, to the last bits of a double). So a refresh of
  some months reads the facts of those months only: the other months of their
  quarters and years are read back from the model's own rows. The other methods
  are not additive: every period re-aggregates the facts.
  Usage: `with facts as (...) {{ aggregate_kpi('facts', method='sum') }}`; the
  macro continues the WITH list and ends with the final select.
  The records behind the facts (for `kpi explain`): `records` names the model
  whose rows the facts are, `record_key` its key columns, which the facts carry
  under the same names (a fact of several models carries record_source and
  record_id instead). The macro's output begins with a comment holding these and
  the method; `kpi explain` reads the compiled model up to that comment, so it
  counts a record exactly as the model does. The key columns cost nothing here:
  nothing below reads them.
#}
{% macro aggregate_kpi(facts, method='sum', fact_team=false, p=none, records=none, record_key=none) %}
{%- if method not in ('sum', 'distinct', 'per_person_mean', 'percentile') -%}
    {{ exceptions.raise_compiler_error("aggregate_kpi: unknown method '" ~ method ~ "'") }}
{%- endif -%}
{%- if (method == 'percentile') != (p is not none) or (p is not none and not (0 <= p <= 1)) -%}
    {{ exceptions.raise_compiler_error("aggregate_kpi: p is the percentile of method 'percentile' (0 <= p <= 1), and only of it") }}
{%- endif -%}
{%- if fact_team and method == 'per_person_mean' -%}
    {{ exceptions.raise_compiler_error("aggregate_kpi: a per-person mean needs an agent; fact_team does not apply") }}
{%- endif -%}
{%- set key = ', f.distinct_key' if method == 'distinct' else '' -%}
{%- set key_column = ', distinct_key' if method == 'distinct' else '' -%}
{%- if (records is none) != (record_key is none) -%}
    {{ exceptions.raise_compiler_error("aggregate_kpi: records and record_key go together") }}
{%- endif -%}
{%- set explained = {'facts': facts, 'method': method, 'fact_team': fact_team, 'p': p,
                     'records': (ref(records) | string) if records else none, 'record_key': record_key} %}
/* kpi_facts {{ tojson(explained) }} */
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
        {%- if method == 'percentile' %}
        cast(f.value as {{ type_double() }}) as value
        {%- else %}
        cast(f.numerator as {{ type_double() }}) as numerator,
        cast(f.denominator as {{ type_double() }}) as denominator{{ key }}
        {%- endif %}
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
        {%- if method == 'percentile' %}
        f.value
        {%- else %}
        f.numerator,
        f.denominator{{ key }}
        {%- endif %}
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
{%- set measures = 'value' if method == 'percentile' else 'numerator, denominator' %}
kpi_leveled as (
    select period_grain, period_start, 'center' as level, 'center' as entity_id,
        {{ measures }}{{ key_column }}
    from kpi_units
    union all
    select period_grain, period_start, 'department' as level, department as entity_id,
        {{ measures }}{{ key_column }}
    from {{ department_units }}
    where department is not null
    union all
    select period_grain, period_start, 'team' as level, team as entity_id,
        {{ measures }}{{ key_column }}
    from {{ team_units }}
    where team is not null
    union all
    select period_grain, period_start, 'agent' as level, roster_agent_id as entity_id,
        {{ measures }}{{ key_column }}
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
{%- elif method == 'percentile' %},
{#- percentile_cont, the same to the last bit on every engine (the engines' own functions interpolate in different
    ways): the position (n - 1) x p, in millionths, is a whole number; the values ranked lower_rank and
    lower_rank + 1 are interpolated at its fraction. #}
{%- set p_millionths = (p * 1000000) | round | int %}
kpi_ranked as (
    select
        period_grain,
        period_start,
        level,
        entity_id,
        value,
        row_number() over (partition by period_grain, period_start, level, entity_id order by value) as value_rank,
        (count(*) over (partition by period_grain, period_start, level, entity_id) - 1) * {{ p_millionths }}
            as position_millionths
    from kpi_leveled
    where value is not null
),
kpi_positions as (
    select
        period_grain,
        period_start,
        level,
        entity_id,
        value,
        value_rank,
        cast((position_millionths - position_millionths % 1000000) / 1000000 as bigint) + 1 as lower_rank,
        cast(position_millionths % 1000000 as {{ type_double() }}) / 1000000 as fraction
    from kpi_ranked
),
kpi_bounds as (
    select
        period_grain,
        period_start,
        level,
        entity_id,
        count(*) as n,
        max(case when value_rank = lower_rank then value end) as lower_value,
        max(case when value_rank = lower_rank + 1 then value end) as upper_value,
        max(fraction) as fraction
    from kpi_positions
    group by period_grain, period_start, level, entity_id
)
select
    period_grain,
    period_start,
    level,
    entity_id,
    cast(null as {{ type_double() }}) as numerator,
    cast(n as {{ type_double() }}) as denominator,
    case
        when fraction = 0 then lower_value
        else lower_value + (upper_value - lower_value) * fraction
    end as value
from kpi_bounds
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
