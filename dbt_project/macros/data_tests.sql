{# No two rows share the combination of `columns`. #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# Every row satisfies a boolean SQL expression (NULL fails). #}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}

{#
  The shape every kpi_<code> model shares, in one query: keys and sums not NULL,
  grain and level from their sets, one row per (period, level, entity), and an
  agent entity on the roster. Returns the offending rows.
#}
{% test kpi_rows_well_formed(model) %}
with rows_of_model as (
    select
        period_grain, period_start, level, entity_id, numerator, denominator,
        count(*) over (partition by period_grain, period_start, level, entity_id) as n_same_key
    from {{ model }}
)
select rows_of_model.*
from rows_of_model
left join {{ ref('int_agents') }} as roster
    on rows_of_model.level = 'agent' and roster.agent_id = rows_of_model.entity_id
where period_grain is null or period_start is null or level is null or entity_id is null
    or numerator is null or denominator is null
    or period_grain not in ('month', 'quarter', 'year')
    or level not in ('center', 'team', 'agent')
    or n_same_key > 1
    or (level = 'agent' and roster.agent_id is null)
{% endtest %}
